using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AgentService.Protocol.AgentProtocol;
using AgentService.Protocol.Gateway;
using AgentService.Protocol.Json;
using Spectre.Console;

namespace AgentService.Cli;

/// <summary>Prints results: tables for people, the service's JSON with <c>--json</c>.</summary>
internal static class Render
{
    public static void Json<T>(CliContext context, T value, JsonTypeInfo<T> type)
    {
        context.WriteLine(JsonSerializer.Serialize(value, type));
    }

    public static void Tasks(CliContext context, IReadOnlyList<AgentTask> tasks, Pagination? pagination)
    {
        var table = new Table().AddColumns("task_id", "input", "artifacts");
        foreach (var task in tasks)
        {
            table.AddRow(Cell(task.TaskId), Cell(Shorten(task.Input)), Cell(task.Artifacts.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
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
            table.AddRow(Cell(step.StepId), Cell(step.Status), Cell(step.Name ?? ""), Cell(Shorten(step.Input)), Cell(Shorten(step.Output)),
                Cell(step.IsLast ? "yes" : "no"), Cell(string.Join(", ", step.Artifacts.Select(a => a.FileName))));
        }

        context.Console.Write(table);
        Paging(context, pagination);
    }

    public static void Artifacts(CliContext context, IReadOnlyList<Artifact> artifacts, Pagination? pagination)
    {
        if (artifacts.Count == 0 && pagination is null)
        {
            context.WriteLine("artifacts: none");
            return;
        }

        var table = new Table().AddColumns("artifact_id", "file_name", "relative_path", "agent_created");
        foreach (var artifact in artifacts)
        {
            table.AddRow(Cell(artifact.ArtifactId), Cell(artifact.FileName), Cell(artifact.RelativePath ?? ""), Cell(artifact.AgentCreated ? "yes" : "no"));
        }

        context.Console.Write(table);
        Paging(context, pagination);
    }

    public static void Agents(CliContext context, AgentListResponse list)
    {
        var table = new Table().AddColumns("agent_id", "agent_name", "agent_type", "capabilities", "status", "last_heartbeat");
        foreach (var agent in list.Agents)
        {
            table.AddRow(Cell(agent.AgentId), Cell(agent.AgentName), Cell(agent.AgentType), Cell(string.Join(", ", agent.Capabilities)),
                Cell(agent.Status), Cell(Time(agent.LastHeartbeat)));
        }

        context.Console.Write(table);
        context.WriteLine($"{list.Total} agent(s)");
    }

    public static void AgentStatus(CliContext context, AgentStatusResponse status)
    {
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow(Text("agent_id"), Text(status.AgentId));
        grid.AddRow(Text("status"), Text(status.Status));
        grid.AddRow(Text("last_heartbeat"), Text(Time(status.LastHeartbeat)));
        context.Console.Write(grid);
    }

    public static void Sent(CliContext context, SendMessageResponse sent)
    {
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow(Text("message_id"), Text(sent.MessageId));
        grid.AddRow(Text("conversation_id"), Text(sent.ConversationId));
        grid.AddRow(Text("status"), Text(sent.Status));
        context.Console.Write(grid);
    }

    public static void Message(CliContext context, GatewayMessage message)
    {
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow(Text("message_id"), Text(message.MessageId));
        grid.AddRow(Text("conversation_id"), Text(message.ConversationId));
        grid.AddRow(Text("from → to"), Text($"{message.FromAgentId} → {message.ToAgentId}"));
        grid.AddRow(Text("delivery"), Text(message.Delivery));
        grid.AddRow(Text("status"), Text(message.Status));
        grid.AddRow(Text("attempts"), Text(message.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        grid.AddRow(Text("last_error"), Text(message.LastError ?? "(none)"));
        grid.AddRow(Text("created_at"), Text(Time(message.CreatedAt)));
        grid.AddRow(Text("delivered_at"), Text(message.DeliveredAt is { } delivered ? Time(delivered) : "(not yet)"));
        if (message.NextAttemptAt is { } next)
        {
            grid.AddRow(Text("next_attempt_at"), Text(Time(next)));
        }

        grid.AddRow(Text("expires_at"), Text(Time(message.ExpiresAt)));
        foreach (var part in message.Content)
        {
            var shown = part.Type switch
            {
                ContentPartTypes.Text => part.Text ?? "",
                ContentPartTypes.Data => part.Data?.Text ?? "",
                ContentPartTypes.File => $"{part.File?.FileName} ({part.File?.Uri})",
                _ => "",
            };
            grid.AddRow(Text(part.Type), Text(Shorten(shown)));
        }

        context.Console.Write(grid);
    }

    private static string Time(DateTimeOffset time) => Rfc3339TimestampConverter.ToText(time);

    private static void Paging(CliContext context, Pagination? pagination)
    {
        if (pagination is not null)
        {
            context.WriteLine($"page {pagination.CurrentPage} of {pagination.TotalPages} ({pagination.TotalItems} item(s), {pagination.PageSize} per page)");
        }
    }

    private static Text Text(string value) => new(Safe(value));

    /// <summary>A table cell: <see cref="Safe"/>, and on one line, since a table draws no line between its rows and a
    /// line feed in a name would show as a row of its own.</summary>
    private static Text Cell(string value) => new(Safe(value).Replace("\n", "\\u000A", StringComparison.Ordinal));

    /// <summary>
    /// <paramref name="value"/> with every character that could drive the terminal written as a visible escape
    /// (<c>\u001B</c>): control characters other than the line feed (ESC sequences recolour, retitle or clear it; CR
    /// overwrites a line) and the bidirectional overrides that reorder what is shown. The service's data is anybody's
    /// input, and a table must show it, not obey it.
    /// </summary>
    public static string Safe(string? value)
    {
        if (string.IsNullOrEmpty(value) || !value.Any(Unsafe))
        {
            return value ?? "";
        }

        var safe = new System.Text.StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            if (Unsafe(c))
            {
                safe.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                safe.Append(c);
            }
        }

        return safe.ToString();
    }

    private static bool Unsafe(char c) => (char.IsControl(c) && c != '\n') || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069';

    private static string Shorten(string? value) => value is null ? "" : value.Length <= 60 ? value : value[..57] + "...";
}
