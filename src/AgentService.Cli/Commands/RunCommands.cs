using System.CommandLine;
using System.Text.Json;

namespace AgentService.Cli.Commands;

/// <summary><c>agentsvc runs get|follow|cancel</c>: runs of agents with a runtime.</summary>
internal static class RunCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var runs = new Command("runs", "Inspect, follow and cancel runs (tasks of agents with a runtime).");

        var getId = new Argument<string>("RUN_ID") { Description = "The run (task) id." };
        var get = new Command("get", "Show a run: status, attempts, connection.") { getId };
        get.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var run = await context.Runs().GetAsync(parseResult.GetValue(getId)!, cancellationToken);
            if (context.Json)
            {
                context.Output.WriteLine(run.GetRawText());
                return;
            }

            context.Output.WriteLine($"run {run.GetProperty("runId").GetString()}  agent {run.GetProperty("agentId").GetString()}  status {run.GetProperty("status").GetString()}  events {run.GetProperty("eventCount").GetInt64()}");
            foreach (var attempt in run.GetProperty("attempts").EnumerateArray())
            {
                context.Output.WriteLine($"  attempt {attempt.GetProperty("number").GetInt32()} {attempt.GetProperty("attemptId").GetString()}: {attempt.GetProperty("status").GetString()}"
                    + (attempt.TryGetProperty("exitReason", out var reason) && reason.ValueKind == JsonValueKind.String ? $" ({reason.GetString()})" : ""));
            }
        }));

        var followId = new Argument<string>("RUN_ID") { Description = "The run (task) id." };
        var after = new Option<long>("--after") { Description = "Start after this log position (default: from the beginning)." };
        var follow = new Command("follow", "Print the run's events as they happen, until the run is finished.") { followId, after };
        follow.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            await foreach (var e in context.Runs().FollowAsync(parseResult.GetValue(followId)!, parseResult.GetValue(after), cancellationToken))
            {
                context.Output.WriteLine(context.Json ? e.Event.GetRawText() : $"{e.Position,6}  {e.Type,-22} {Summary(e.Event)}");
                await context.Output.FlushAsync(cancellationToken);
            }
        }));

        var cancelId = new Argument<string>("RUN_ID") { Description = "The run (task) id." };
        var immediate = new Option<bool>("--immediate") { Description = "Stop side effects now instead of finishing the current step." };
        var reasonOption = new Option<string?>("--reason") { Description = "Why (recorded with the cancel input)." };
        var cancel = new Command("cancel", "Cancel a run.") { cancelId, immediate, reasonOption };
        cancel.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var accepted = await context.Runs().CancelAsync(parseResult.GetValue(cancelId)!, parseResult.GetValue(immediate), parseResult.GetValue(reasonOption), cancellationToken);
            context.Output.WriteLine(context.Json ? accepted.GetRawText() : $"cancel requested ({accepted.GetProperty("mode").GetString()}), input #{accepted.GetProperty("sequence").GetString()}");
        }));

        runs.Subcommands.Add(get);
        runs.Subcommands.Add(follow);
        runs.Subcommands.Add(cancel);
        return runs;
    }

    /// <summary>A short human line for an event: the data's most telling member.</summary>
    private static string Summary(JsonElement cloudEvent)
    {
        if (!cloudEvent.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            return "";
        }

        foreach (var name in new[] { "output", "message", "status", "text", "stepId" })
        {
            if (data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
            {
                var text = value.GetString()!;
                return text.Length <= 80 ? text : text[..77] + "...";
            }
        }

        return "";
    }
}
