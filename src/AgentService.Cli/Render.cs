using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AgentService.Protocol.AgentProtocol;
using AgentService.Protocol.Json;
using Spectre.Console;

namespace AgentService.Cli;

/// <summary>Prints results: tables for people, the service's JSON with <c>--json</c>.</summary>
internal static class Render
{
    public static void Json<T>(CliContext context, T value, JsonTypeInfo<T> type)
    {
        context.Output.WriteLine(JsonSerializer.Serialize(value, type));
    }

    public static void Tasks(CliContext context, IReadOnlyList<AgentTask> tasks, Pagination? pagination)
    {
        var table = new Table().AddColumns("task_id", "input", "artifacts");
        foreach (var task in tasks)
        {
            table.AddRow(Text(task.TaskId), Text(Shorten(task.Input)), Text(task.Artifacts.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        context.Console.Write(table);
        Paging(context, pagination);
    }

    public static void Task(CliContext context, AgentTask task)
    {
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow(Text("task_id"), Text(task.TaskId));
        grid.AddRow(Text("input"), Text(task.Input ?? "(none)"));
        grid.AddRow(Text("additional_input"), Text(task.AdditionalInput?.Text ?? "(none)"));
        context.Console.Write(grid);
        Artifacts(context, task.Artifacts, null);
    }

    public static void Steps(CliContext context, IReadOnlyList<TaskStep> steps, Pagination? pagination)
    {
        var table = new Table().AddColumns("step_id", "status", "name", "input", "output", "is_last", "artifacts");
        foreach (var step in steps)
        {
            table.AddRow(Text(step.StepId), Text(step.Status), Text(step.Name ?? ""), Text(Shorten(step.Input)), Text(Shorten(step.Output)),
                Text(step.IsLast ? "yes" : "no"), Text(string.Join(", ", step.Artifacts.Select(a => a.FileName))));
        }

        context.Console.Write(table);
        Paging(context, pagination);
    }

    public static void Artifacts(CliContext context, IReadOnlyList<Artifact> artifacts, Pagination? pagination)
    {
        if (artifacts.Count == 0 && pagination is null)
        {
            context.Output.WriteLine("artifacts: none");
            return;
        }

        var table = new Table().AddColumns("artifact_id", "file_name", "relative_path", "agent_created");
        foreach (var artifact in artifacts)
        {
            table.AddRow(Text(artifact.ArtifactId), Text(artifact.FileName), Text(artifact.RelativePath ?? ""), Text(artifact.AgentCreated ? "yes" : "no"));
        }

        context.Console.Write(table);
        Paging(context, pagination);
    }

    private static void Paging(CliContext context, Pagination? pagination)
    {
        if (pagination is not null)
        {
            context.Output.WriteLine($"page {pagination.CurrentPage} of {pagination.TotalPages} ({pagination.TotalItems} item(s), {pagination.PageSize} per page)");
        }
    }

    private static Text Text(string value) => new(value);

    private static string Shorten(string? value) => value is null ? "" : value.Length <= 60 ? value : value[..57] + "...";
}
