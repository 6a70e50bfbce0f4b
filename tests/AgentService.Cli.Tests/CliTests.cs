using System.Diagnostics;
using System.Text.Json;
using AgentService.Tests.Common;

namespace AgentService.Cli.Tests;

/// <summary>The <c>agentsvc</c> commands against a real server.</summary>
public sealed class CliTests : IAsyncLifetime, IDisposable
{
    private ServiceHost _host = null!;
    private readonly TempDirectory _dir = new();

    public async Task InitializeAsync() => _host = await ServiceHost.StartAsync();

    public async Task DisposeAsync()
    {
        Assert.Empty(_host.Errors);
        await _host.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose();

    private Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) => CliRunner.RunAsync(_host.BaseAddress, args);

    private Task<JsonElement> RunJsonAsync(params string[] args) => CliRunner.RunJsonAsync(_host.BaseAddress, args);

    [Fact]
    public async Task TasksCreateListGet_WorkAgainstTheServer()
    {
        var created = await RunJsonAsync("tasks", "create", "Write the word 'Hi' to a .txt file", "--additional-input", """{"k":1}""");
        var taskId = created.GetProperty("task_id").GetString()!;
        Assert.Equal(1, created.GetProperty("additional_input").GetProperty("k").GetInt32());

        var (exit, table, _) = await RunAsync("tasks", "list");
        Assert.Equal(0, exit);
        Assert.Contains(taskId, table);
        Assert.Contains("page 1 of 1", table);

        var fetched = await RunJsonAsync("tasks", "get", taskId);
        Assert.Equal(created.ToString(), fetched.ToString());
        var (_, human, _) = await RunAsync("tasks", "get", taskId);
        Assert.Contains("Write the word 'Hi' to a .txt file", human);
    }

    [Fact]
    public async Task StepsRunAndList_ShowTheStepAndItsArtifact()
    {
        var taskId = (await RunJsonAsync("tasks", "create", "x")).GetProperty("task_id").GetString()!;

        var step = await RunJsonAsync("steps", "run", taskId, "Write 'cli' to the file 'c.txt'");
        Assert.Equal("completed", step.GetProperty("status").GetString());
        Assert.Equal("c.txt", step.GetProperty("artifacts")[0].GetProperty("file_name").GetString());

        var (exit, table, _) = await RunAsync("steps", "list", taskId);
        Assert.Equal(0, exit);
        Assert.Contains(step.GetProperty("step_id").GetString()!, table);
        Assert.Contains("completed", table);
        var one = await RunJsonAsync("steps", "get", taskId, step.GetProperty("step_id").GetString()!);
        Assert.Equal(step.ToString(), one.ToString());
    }

    [Fact]
    public async Task ArtifactsUploadListDownload_RoundTripTheBytes()
    {
        var taskId = (await RunJsonAsync("tasks", "create", "x")).GetProperty("task_id").GetString()!;
        var source = _dir.File("notes.txt");
        await File.WriteAllTextAsync(source, "cli bytes \u00e9");

        var artifact = await RunJsonAsync("artifacts", "upload", taskId, source, "--relative-path", "docs");
        Assert.Equal("notes.txt", artifact.GetProperty("file_name").GetString());
        Assert.Equal("docs", artifact.GetProperty("relative_path").GetString());

        var list = await RunJsonAsync("artifacts", "list", taskId);
        Assert.Equal(1, list.GetProperty("pagination").GetProperty("total_items").GetInt32());

        var target = _dir.File("out.txt");
        var (exit, output, _) = await RunAsync("artifacts", "download", taskId, artifact.GetProperty("artifact_id").GetString()!, "-o", target);
        Assert.Equal(0, exit);
        Assert.Contains("saved", output);
        Assert.Equal("cli bytes \u00e9", await File.ReadAllTextAsync(target));
    }

    [Fact]
    public async Task Errors_AreOneLineWithExitCodes()
    {
        var (notFound, _, notFoundError) = await RunAsync("tasks", "get", "run_missing");
        Assert.Equal(ExitCodes.Failed, notFound);
        Assert.StartsWith("error: 404", notFoundError);
        Assert.Single(notFoundError.Trim().Split('\n'));

        var (invalid, _, invalidError) = await RunAsync("tasks", "list", "--page-size", "500");
        Assert.Equal(ExitCodes.Failed, invalid);
        Assert.Contains("page_size", invalidError);

        var (usage, _, usageError) = await RunAsync("tasks", "frobnicate");
        Assert.Equal(ExitCodes.Usage, usage);
        Assert.Contains("frobnicate", usageError);

        var (badJson, _, badJsonError) = await RunAsync("tasks", "create", "x", "--additional-input", "[1]");
        Assert.Equal(ExitCodes.Usage, badJson);
        Assert.Contains("--additional-input", badJsonError);

        var (missingFile, _, missingFileError) = await RunAsync("artifacts", "upload", "run_x", _dir.File("nope.bin"));
        Assert.Equal(ExitCodes.Failed, missingFile);
        Assert.Equal($"error: '{_dir.File("nope.bin")}' does not exist.", missingFileError.Trim());

        var (directory, _, directoryError) = await RunAsync("artifacts", "upload", "run_x", _dir.Path);
        Assert.Equal(ExitCodes.Failed, directory);
        Assert.Equal($"error: '{_dir.Path}' is a directory; give a file.", directoryError.Trim());
    }

    [Theory]
    [InlineData("runs respond run_x ixn_y --approve --deny", "error: Give exactly one of --approve, --deny, --answer JSON.")]
    [InlineData("runs respond run_x ixn_y", "error: Give exactly one of --approve, --deny, --answer JSON.")]
    [InlineData("runs respond run_x ixn_y --answer {bad", "error: --answer is not valid JSON: ")]
    [InlineData("keys create --role client --agent echo --expires bogus", "error: 'bogus' is neither an RFC 3339 time nor a duration like 30d, 12h, 90m.")]
    public async Task ArgumentsThatCannotBeSent_AreUsageErrors_AndReachNoService(string commandLine, string expected)
    {
        var (exit, _, stderr) = await RunAsync(commandLine.Split(' '));

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.StartsWith(expected, stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ID", "agents", "status", "")]
    [InlineData("ID", "agents", "status", "..")]
    [InlineData("ID", "messages", "get", " ")]
    [InlineData("TASK_ID", "steps", "list", ".")]
    [InlineData("ARTIFACT_ID", "artifacts", "download", "run_x", "..")]
    public async Task AnIdThatCannotBeAPathSegment_IsAUsageError_AndReachesNoService(string name, params string[] commandLine)
    {
        // Sent, '..' would address another resource and '' none: the service would answer "no route matches".
        var (exit, _, stderr) = await RunAsync(commandLine);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.StartsWith($"error: {name}: '{commandLine[^1]}' is not an id.", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AKeyThatCannotBeAHeader_IsAUsageError_NotACrash()
    {
        var (exit, _, stderr) = await RunAsync("--api-key", "ключ", "tasks", "list");

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.StartsWith("error: the API key (--api-key or $AGENTSERVICE_API_KEY) must be printable ASCII", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tasks list --page abc", "error: --page: 'abc' is not a whole number.")]
    [InlineData("tasks list --page-size 2.5", "error: --page-size: '2.5' is not a whole number.")]
    [InlineData("tasks list --page 99999999999", "error: --page: '99999999999' is out of range (1 to 2147483647).")]
    [InlineData("tasks list --page 0", "error: --page: '0' is less than 1.")]
    [InlineData("tasks list --page-size 0", "error: --page-size: '0' is less than 1.")]
    [InlineData("steps run run_x hi --wait -1", "error: --wait: '-1' is less than 0.")]
    [InlineData("runs follow run_x --after 1e3", "error: --after: '1e3' is not a whole number.")]
    [InlineData("runs follow run_x --after abc", "error: --after: 'abc' is not a whole number.")]
    [InlineData("steps run run_x hi --wait soon", "error: --wait: 'soon' is not a finite number.")]
    [InlineData("steps run run_x hi --wait 1e999", "error: --wait: '1e999' is not a finite number.")]
    public async Task NumericOptions_SayWhatTheyExpect_NotTheDotNetType(string commandLine, string expected)
    {
        var (exit, _, stderr) = await RunAsync(commandLine.Split(' '));

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Equal([expected, "Run 'agentsvc --help' for usage."], stderr.Trim().Split(Environment.NewLine));
    }

    [Fact]
    public async Task UnreachableService_ExitsWithCode3()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await CliApp.RunAsync(["--url", "http://127.0.0.1:9", "tasks", "list"], output, error);

        Assert.Equal(ExitCodes.Unreachable, exit);
        Assert.Contains("cannot reach", error.ToString());
    }

    [Fact]
    public async Task Executable_UsesAgentServiceUrlFromTheEnvironment()
    {
        var (exit, stdout, stderr) = await RunProcessAsync(_dir.Path, "tasks", "create", "from a process", "--json");

        Assert.True(exit == 0, stderr);
        using var task = JsonDocument.Parse(stdout);
        Assert.Equal("from a process", task.RootElement.GetProperty("input").GetString());
    }

    [Fact]
    public async Task Serve_ThatCannotStart_SaysWhyInOneLine_AndExits2()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var missing = _dir.File("missing.json");

        var exit = await CliApp.RunAsync(["serve", "--urls", "http://127.0.0.1:0", "--data-dir", _dir.File("data"), "--agents", missing], output, error);

        Assert.Equal(2, exit);
        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: the service could not start: Cannot read the agents file '{missing}'", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeHelp_ListsTheAuthenticationSwitches_AndSaysHowToGiveAnyOtherSetting()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        Assert.Equal(0, await CliApp.RunAsync(["serve", "--help"], output, error));

        var help = output.ToString();
        Assert.Contains("--auth", help, StringComparison.Ordinal);
        Assert.Contains("--allow-no-auth-on-network", help, StringComparison.Ordinal);
        Assert.Contains("--Section:Key=value", help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_WithAnUnknownAuthMode_IsAUsageError_AndStartsNothing()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var data = _dir.File("never-created");

        var exit = await CliApp.RunAsync(["serve", "--urls", "http://127.0.0.1:0", "--data-dir", data, "--auth", "apikeys"], output, error);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("--auth takes none or apikey, not 'apikeys'.", error.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(data));
    }

    [Fact]
    public async Task TablesShowTheServicesData_WithoutLettingItDriveTheTerminal()
    {
        // ESC sequences (colour, window title), BEL, CR (overwrites the line) and a right-to-left override, as anybody's input.
        const string Hostile = "line1\nline2\u001b[31mRED\u001b]0;pwned\u0007 \r over \u202Egnp.exe";
        var taskId = (await RunJsonAsync("tasks", "create", Hostile)).GetProperty("task_id").GetString()!;

        foreach (var args in new[] { new[] { "tasks", "get", taskId }, ["tasks", "list"], ["steps", "run", taskId, Hostile] })
        {
            var (exit, printed, error) = await RunAsync(args);

            Assert.True(exit == 0, error);
            Assert.DoesNotContain(printed, c => c is '\u001b' or '\u0007' or '\r' or '\u202E');
            Assert.Contains("\\u001B[31mRED", printed, StringComparison.Ordinal);
        }

        // A table draws no line between rows: a line feed in a cell would print as a row of its own.
        var (_, listed, _) = await RunAsync("tasks", "list");
        Assert.Contains("line1\\u000Aline2", listed, StringComparison.Ordinal);

        // Scripts get the data itself, as JSON.
        Assert.Equal(Hostile, (await RunJsonAsync("tasks", "get", taskId)).GetProperty("input").GetString());
    }

    [Fact]
    public async Task Download_UnderTheArtifactsOwnName_NeverReplacesAFile_ButOutputDoes()
    {
        var taskId = (await RunJsonAsync("tasks", "create", "x")).GetProperty("task_id").GetString()!;
        var source = _dir.File("notes.txt");
        await File.WriteAllTextAsync(source, "from the service");
        var artifactId = (await RunJsonAsync("artifacts", "upload", taskId, source)).GetProperty("artifact_id").GetString()!;
        var workDir = Directory.CreateDirectory(_dir.File("work")).FullName;
        var mine = Path.Combine(workDir, "notes.txt");
        await File.WriteAllTextAsync(mine, "my own notes");

        // The default name is the current directory's: run the CLI as a process there.
        var (exit, _, error) = await RunProcessAsync(workDir, "artifacts", "download", taskId, artifactId);

        Assert.Equal(ExitCodes.Failed, exit);
        Assert.Contains("already exists", error, StringComparison.Ordinal);
        Assert.Equal("my own notes", await File.ReadAllTextAsync(mine));
        Assert.Equal(["notes.txt"], Directory.EnumerateFiles(workDir).Select(Path.GetFileName));

        var (replaced, _, replaceError) = await RunProcessAsync(workDir, "artifacts", "download", taskId, artifactId, "-o", "notes.txt");
        Assert.True(replaced == 0, replaceError);
        Assert.Equal("from the service", await File.ReadAllTextAsync(mine));
    }

    private async Task<(int Exit, string Out, string Err)> RunProcessAsync(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        start.ArgumentList.Add(typeof(CliApp).Assembly.Location);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["AGENTSERVICE_URL"] = _host.BaseAddress.ToString();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
