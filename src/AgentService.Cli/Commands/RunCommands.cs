using System.CommandLine;
using System.Text.Json;

namespace AgentService.Cli.Commands;

/// <summary><c>agentsvc runs list|get|follow|cancel|interactions|respond</c>: runs of agents with a runtime.</summary>
internal static class RunCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var runs = new Command("runs", "Inspect, follow and cancel runs (tasks of agents with a runtime).");

        var getId = CommonOptions.Id("RUN_ID", "The run (task) id.");
        var get = new Command("get", "Show a run: status, what it waits for, parent, dependencies, children, attempts.") { getId };
        get.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var run = await context.Runs().GetAsync(parseResult.GetValue(getId)!, cancellationToken);
            if (context.Json)
            {
                context.WriteLine(run.GetRawText());
                return;
            }

            context.WriteLine($"run {run.GetProperty("runId").GetString()}  agent {run.GetProperty("agentId").GetString()}  status {run.GetProperty("status").GetString()}  events {run.GetProperty("eventCount").GetInt64()}");
            if (run.GetProperty("waitingFor") is { ValueKind: JsonValueKind.Array } reasons)
            {
                // Each reason with what it names: "dependency (run_…, run_…)".
                context.WriteLine("  waiting for: " + string.Join("; ", reasons.EnumerateArray().Select(r =>
                    r.GetProperty("kind").GetString() + (r.TryGetProperty("refs", out var refs) && refs.ValueKind == JsonValueKind.Array && refs.GetArrayLength() > 0
                        ? $" ({string.Join(", ", refs.EnumerateArray().Select(x => x.GetProperty("id").GetString()))})"
                        : ""))));
            }

            if (run.GetProperty("parentRunId").GetString() is { } parent)
            {
                context.WriteLine($"  parent {parent}");
            }

            if (run.TryGetProperty("dependencies", out var dependencies) && dependencies.GetArrayLength() > 0)
            {
                context.WriteLine("  depends on: " + string.Join(", ", dependencies.EnumerateArray().Select(d => $"{d.GetProperty("runId").GetString()} ({d.GetProperty("status").GetString()})")));
            }

            if (run.GetProperty("children").GetArrayLength() is var children and > 0)
            {
                context.WriteLine($"  children: {children}{(run.GetProperty("moreChildren").GetBoolean() ? "+" : "")}");
            }

            foreach (var attempt in run.GetProperty("attempts").EnumerateArray())
            {
                context.WriteLine($"  attempt {attempt.GetProperty("number").GetInt32()} {attempt.GetProperty("attemptId").GetString()}: {attempt.GetProperty("status").GetString()}"
                    + (attempt.TryGetProperty("exitReason", out var reason) && reason.ValueKind == JsonValueKind.String ? $" ({reason.GetString()})" : ""));
            }
        }));

        var listAgent = CommonOptions.Id("AGENT_ID", "The agent whose runs to list.");
        var statusOption = new Option<string?>("--status") { Description = "Only runs in this status (queued, starting, running, waiting, completed, failed, cancelled, timed_out)." };
        var limitOption = CommonOptions.Number<int, int>("--limit", "How many (1-1000; newest first).", minimum: 1);
        limitOption.DefaultValueFactory = _ => 20;
        var afterOption = new Option<string?>("--after") { Description = "Continue after this run (the last one listed)." };
        var list = new Command("list", "List an agent's runs, newest first.") { listAgent, statusOption, limitOption, afterOption };
        list.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var page = await context.Runs().ListByAgentAsync(parseResult.GetValue(listAgent)!, parseResult.GetValue(statusOption), parseResult.GetValue(afterOption),
                parseResult.GetValue(limitOption), cancellationToken);
            if (context.Json)
            {
                context.WriteLine(page.GetRawText());
                return;
            }

            foreach (var run in page.GetProperty("runs").EnumerateArray())
            {
                var waiting = run.GetProperty("waitingFor") is { ValueKind: JsonValueKind.Array } reasons
                    ? $" (waiting for {string.Join(", ", reasons.EnumerateArray().Select(r => r.GetProperty("kind").GetString()))})"
                    : "";
                context.WriteLine($"{run.GetProperty("runId").GetString()}  {run.GetProperty("status").GetString()}{waiting}  created {run.GetProperty("createdAt").GetString()}");
            }

            if (page.GetProperty("more").GetBoolean())
            {
                context.WriteLine($"more: --after {page.GetProperty("after").GetString()}");
            }
        }));

        var followId = CommonOptions.Id("RUN_ID", "The run (task) id.");
        var after = CommonOptions.Number<long, long>("--after", "Start after this log position (default: from the beginning).", minimum: 0);
        var follow = new Command("follow", "Print the run's events as they happen, until the run is finished.") { followId, after };
        follow.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            await FollowAsync(context, parseResult.GetValue(followId)!, parseResult.GetValue(after), cancellationToken);
        }));

        var cancelId = CommonOptions.Id("RUN_ID", "The run (task) id.");
        var immediate = new Option<bool>("--immediate") { Description = "Stop side effects now instead of finishing the current step." };
        var reasonOption = new Option<string?>("--reason") { Description = "Why (recorded with the cancel input)." };
        var noCascade = new Option<bool>("--no-cascade") { Description = "Leave the run's service-hosted sub-runs running (its local sub-runs end with it)." };
        var cancel = new Command("cancel", "Cancel a run and its sub-runs.") { cancelId, immediate, reasonOption, noCascade };
        cancel.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var accepted = await context.Runs().CancelAsync(parseResult.GetValue(cancelId)!, parseResult.GetValue(immediate), parseResult.GetValue(reasonOption), !parseResult.GetValue(noCascade), cancellationToken);
            context.WriteLine(context.Json
                ? accepted.GetRawText()
                : accepted.TryGetProperty("status", out var status) && status.GetString() == "cancelled"
                    ? "cancelled (nothing had started the run)"
                    : $"cancel requested ({accepted.GetProperty("mode").GetString()}), input #{accepted.GetProperty("sequence").GetInt64()}");
        }));

        var interactionsId = CommonOptions.Id("RUN_ID", "The run (task) id.");
        var interactions = new Command("interactions", "List a run's interactions (questions to a human), pending and resolved.") { interactionsId };
        interactions.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var list = await context.Runs().ListInteractionsAsync(parseResult.GetValue(interactionsId)!, cancellationToken: cancellationToken);
            if (context.Json)
            {
                context.WriteLine(list.GetRawText());
                return;
            }

            foreach (var i in list.GetProperty("interactions").EnumerateArray())
            {
                var state = i.GetProperty("status").GetString() == "pending" ? "pending" : $"resolved: {i.GetProperty("outcome").GetString()}";
                context.WriteLine($"{i.GetProperty("interactionId").GetString()}  {i.GetProperty("kind").GetString(),-12} {state,-20} {i.GetProperty("request").GetProperty("prompt").GetString()}");
            }
        }));

        var respondRun = CommonOptions.Id("RUN_ID", "The run (task) id.");
        var respondId = CommonOptions.Id("INTERACTION_ID", "The interaction id (ixn_...).");
        var approve = new Option<bool>("--approve") { Description = "Approve (approval and confirmation interactions)." };
        var deny = new Option<bool>("--deny") { Description = "Deny (any interaction)." };
        var answer = new Option<string?>("--answer") { Description = "Answer with this JSON value (input: checked against its schema; choice: a choice id as a JSON string)." };
        var respondReason = new Option<string?>("--reason") { Description = "Why (recorded with the resolution)." };
        var respond = new Command("respond", "Answer a run's interaction: exactly one of --approve, --deny, --answer JSON.") { respondRun, respondId, approve, deny, answer, respondReason };
        respond.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var answerText = parseResult.GetValue(answer);
            var chosen = (parseResult.GetValue(approve) ? 1 : 0) + (parseResult.GetValue(deny) ? 1 : 0) + (answerText is null ? 0 : 1);
            if (chosen != 1)
            {
                throw new UsageException("Give exactly one of --approve, --deny, --answer JSON.");
            }

            JsonElement? value = null;
            if (answerText is not null)
            {
                try
                {
                    using var document = JsonDocument.Parse(answerText);
                    value = document.RootElement.Clone();
                }
                catch (JsonException ex)
                {
                    throw new UsageException($"--answer is not valid JSON: {ex.Message}", ex);
                }
            }

            var action = parseResult.GetValue(approve) ? "approve" : parseResult.GetValue(deny) ? "deny" : "answer";
            var resolved = await context.Runs().RespondAsync(parseResult.GetValue(respondRun)!, parseResult.GetValue(respondId)!, action, value, parseResult.GetValue(respondReason), cancellationToken);
            context.WriteLine(context.Json ? resolved.GetRawText() : $"{resolved.GetProperty("interaction").GetProperty("interactionId").GetString()} {resolved.GetProperty("interaction").GetProperty("outcome").GetString()}, input #{resolved.GetProperty("sequence").GetInt64()}");
        }));

        runs.Subcommands.Add(list);
        runs.Subcommands.Add(get);
        runs.Subcommands.Add(follow);
        runs.Subcommands.Add(cancel);
        runs.Subcommands.Add(interactions);
        runs.Subcommands.Add(respond);
        return runs;
    }

    /// <summary>Prints a run's events as they happen until the run is finished (shared by <c>runs follow</c> and <c>tasks create --follow</c>).</summary>
    internal static async Task FollowAsync(CliContext context, string runId, long after, CancellationToken cancellationToken)
    {
        await foreach (var e in context.Runs().FollowAsync(runId, after, cancellationToken))
        {
            context.WriteLine(context.Json ? e.Event.GetRawText() : $"{e.Position,6}  {e.Type,-22} {Summary(e.Event)}");
            await context.Output.FlushAsync(cancellationToken);
        }
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
