using System.CommandLine;
using System.Text.Json;
using AgentService.Protocol.Json;

namespace AgentService.Cli.Commands;

/// <summary><c>agentsvc tasks create|list|get</c>.</summary>
internal static class TaskCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var tasks = new Command("tasks", "Create and inspect tasks.");

        var text = new Argument<string?>("TEXT") { Description = "The task's input.", Arity = ArgumentArity.ZeroOrOne };
        var additional = new Option<string?>("--additional-input") { Description = "A JSON object passed as additional_input." };
        var agent = CommonOptions.Agent();
        var followOption = new Option<bool>("--follow") { Description = "Then print the task's event stream live until its run is finished (agents with a runtime)." };
        var create = new Command("create", "Create a task.") { text, additional, agent, followOption };
        create.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var extra = ParseObject(parseResult.GetValue(additional), "--additional-input");
            var task = await context.AgentProtocol(parseResult.GetValue(agent)).CreateTaskAsync(parseResult.GetValue(text), extra, cancellationToken);
            if (context.Json)
            {
                Render.Json(context, task, ProtocolJsonContext.Wire.AgentTask);
            }
            else
            {
                Render.Task(context, task);
            }

            if (parseResult.GetValue(followOption))
            {
                await context.Output.FlushAsync(cancellationToken);
                await RunCommands.FollowAsync(context, task.TaskId, 0, cancellationToken);
            }
        }));

        var page = CommonOptions.Page();
        var pageSize = CommonOptions.PageSize();
        var listAgent = CommonOptions.Agent();
        var list = new Command("list", "List tasks, oldest first.") { page, pageSize, listAgent };
        list.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var result = await context.AgentProtocol(parseResult.GetValue(listAgent)).ListTasksAsync(parseResult.GetValue(page), parseResult.GetValue(pageSize), cancellationToken);
            if (context.Json)
            {
                Render.Json(context, result, ProtocolJsonContext.Wire.TaskListResponse);
            }
            else
            {
                Render.Tasks(context, result.Tasks, result.Pagination);
            }
        }));

        var id = CommonOptions.Id("ID", "The task id.");
        var getAgent = CommonOptions.Agent();
        var get = new Command("get", "Show a task and its artifacts.") { id, getAgent };
        get.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var task = await context.AgentProtocol(parseResult.GetValue(getAgent)).GetTaskAsync(parseResult.GetValue(id)!, cancellationToken);
            if (context.Json)
            {
                Render.Json(context, task, ProtocolJsonContext.Wire.AgentTask);
            }
            else
            {
                Render.Task(context, task);
            }
        }));

        tasks.Subcommands.Add(create);
        tasks.Subcommands.Add(list);
        tasks.Subcommands.Add(get);
        return tasks;
    }

    /// <summary>Parses a JSON object given on the command line; a bad one is a usage error with the option named.</summary>
    internal static JsonElement? ParseObject(string? json, string option)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? document.RootElement.Clone()
                : throw new UsageException($"{option} must be a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new UsageException($"{option} is not valid JSON: {ex.Message}", ex);
        }
    }
}
