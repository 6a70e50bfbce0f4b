using System.CommandLine;
using AgentService.Protocol.Json;

namespace AgentService.Cli.Commands;

/// <summary><c>agentsvc artifacts upload|download|list</c>.</summary>
internal static class ArtifactCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var artifacts = new Command("artifacts", "Upload, download and list a task's artifacts.");

        var taskId = CommonOptions.Id("TASK_ID", "The task id.");
        var file = new Argument<FileInfo>("FILE") { Description = "The file to upload." };
        var relativePath = new Option<string?>("--relative-path") { Description = "Where the file goes in the task's workspace." };
        var agent = CommonOptions.Agent();
        var upload = new Command("upload", "Upload a file as an artifact of a task.") { taskId, file, relativePath, agent };
        upload.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var source = parseResult.GetValue(file)!;
            if (Directory.Exists(source.FullName))
            {
                throw new IOException($"'{source}' is a directory; give a file.");
            }

            if (!source.Exists)
            {
                throw new FileNotFoundException($"'{source}' does not exist.");
            }

            await using var stream = source.OpenRead();
            var artifact = await context.AgentProtocol(parseResult.GetValue(agent))
                .UploadArtifactAsync(parseResult.GetValue(taskId)!, stream, source.Name, parseResult.GetValue(relativePath), cancellationToken);
            if (context.Json)
            {
                Render.Json(context, artifact, ProtocolJsonContext.Wire.Artifact);
            }
            else
            {
                Render.Artifacts(context, [artifact], null);
            }
        }));

        var downloadTask = CommonOptions.Id("TASK_ID", "The task id.");
        var artifactId = CommonOptions.Id("ARTIFACT_ID", "The artifact id.");
        var outputFile = new Option<FileInfo?>("--output", "-o") { Description = "Where to write the bytes, replacing a file there (default: the artifact's file name in the current directory, never replacing one; '-' for stdout)." };
        var downloadAgent = CommonOptions.Agent();
        var download = new Command("download", "Download an artifact's bytes.") { downloadTask, artifactId, outputFile, downloadAgent };
        download.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var client = context.AgentProtocol(parseResult.GetValue(downloadAgent));
            var target = parseResult.GetValue(outputFile);
            if (target?.Name == "-")
            {
                await using var stdout = Console.OpenStandardOutput();
                await client.DownloadArtifactAsync(parseResult.GetValue(downloadTask)!, parseResult.GetValue(artifactId)!, stdout, cancellationToken);
                return;
            }

            // Download to a temporary file first, so a failed download leaves no partial file behind.
            var temp = Path.Combine(target?.DirectoryName ?? Directory.GetCurrentDirectory(), $".agentsvc-{Guid.NewGuid():N}.part");
            string? serverName;
            try
            {
                await using (var stream = File.Create(temp))
                {
                    serverName = await client.DownloadArtifactAsync(parseResult.GetValue(downloadTask)!, parseResult.GetValue(artifactId)!, stream, cancellationToken);
                }

                // A file named with -o is the user's choice and is replaced; a name the service chose never replaces a
                // file already there (as curl -OJ).
                var path = target?.FullName ?? Path.Combine(Directory.GetCurrentDirectory(), Path.GetFileName(serverName ?? parseResult.GetValue(artifactId)!));
                if (target is null && File.Exists(path))
                {
                    throw new IOException($"{path} already exists; name the file to write with -o FILE (it is replaced).");
                }

                File.Move(temp, path, overwrite: target is not null);
                var written = new FileInfo(path);
                context.WriteLine(context.Json
                    ? $"{{\"path\":{System.Text.Json.JsonSerializer.Serialize(written.FullName, ProtocolJsonContext.Wire.String)},\"bytes\":{written.Length}}}"
                    : $"saved {written.Length} byte(s) to {written.FullName}");
            }
            finally
            {
                File.Delete(temp);
            }
        }));

        var listTask = CommonOptions.Id("TASK_ID", "The task id.");
        var page = CommonOptions.Page();
        var pageSize = CommonOptions.PageSize();
        var listAgent = CommonOptions.Agent();
        var list = new Command("list", "List a task's artifacts.") { listTask, page, pageSize, listAgent };
        list.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var result = await context.AgentProtocol(parseResult.GetValue(listAgent))
                .ListArtifactsAsync(parseResult.GetValue(listTask)!, parseResult.GetValue(page), parseResult.GetValue(pageSize), cancellationToken);
            if (context.Json)
            {
                Render.Json(context, result, ProtocolJsonContext.Wire.ArtifactListResponse);
            }
            else
            {
                Render.Artifacts(context, result.Artifacts, result.Pagination);
            }
        }));

        artifacts.Subcommands.Add(upload);
        artifacts.Subcommands.Add(download);
        artifacts.Subcommands.Add(list);
        return artifacts;
    }
}
