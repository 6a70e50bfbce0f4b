using System.CommandLine;
using AgentService.Protocol.Json;

namespace AgentService.Cli.Commands;

/// <summary><c>agentsvc steps run|list|get</c>.</summary>
internal static class StepCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var steps = new Command("steps", "Run and inspect the steps of a task.");

        var taskId = CommonOptions.Id("TASK_ID", "The task id.");
        var text = new Argument<string?>("TEXT") { Description = "The step's input.", Arity = ArgumentArity.ZeroOrOne };
        var additional = new Option<string?>("--additional-input") { Description = "A JSON object passed as additional_input." };
        var wait = CommonOptions.Number<double?, double>("--wait", "Seconds to wait for the step to complete (Prefer: wait=N).", minimum: 0);
        var agent = CommonOptions.Agent();
        var run = new Command("run", "Run a step of a task and show its result.") { taskId, text, additional, wait, agent };
        run.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var extra = TaskCommands.ParseObject(parseResult.GetValue(additional), "--additional-input");
            var step = await context.AgentProtocol(parseResult.GetValue(agent))
                .ExecuteStepAsync(parseResult.GetValue(taskId)!, parseResult.GetValue(text), extra, parseResult.GetValue(wait), cancellationToken);
            if (context.Json)
            {
                Render.Json(context, step, ProtocolJsonContext.Wire.TaskStep);
            }
            else
            {
                Render.Steps(context, [step], null);
            }
        }));

        var listTask = CommonOptions.Id("TASK_ID", "The task id.");
        var page = CommonOptions.Page();
        var pageSize = CommonOptions.PageSize();
        var listAgent = CommonOptions.Agent();
        var list = new Command("list", "List a task's steps, oldest first.") { listTask, page, pageSize, listAgent };
        list.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var result = await context.AgentProtocol(parseResult.GetValue(listAgent))
                .ListStepsAsync(parseResult.GetValue(listTask)!, parseResult.GetValue(page), parseResult.GetValue(pageSize), cancellationToken);
            if (context.Json)
            {
                Render.Json(context, result, ProtocolJsonContext.Wire.StepListResponse);
            }
            else
            {
                Render.Steps(context, result.Steps, result.Pagination);
            }
        }));

        var getTask = CommonOptions.Id("TASK_ID", "The task id.");
        var stepId = CommonOptions.Id("STEP_ID", "The step id.");
        var getAgent = CommonOptions.Agent();
        var get = new Command("get", "Show one step.") { getTask, stepId, getAgent };
        get.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var step = await context.AgentProtocol(parseResult.GetValue(getAgent)).GetStepAsync(parseResult.GetValue(getTask)!, parseResult.GetValue(stepId)!, cancellationToken);
            if (context.Json)
            {
                Render.Json(context, step, ProtocolJsonContext.Wire.TaskStep);
            }
            else
            {
                Render.Steps(context, [step], null);
            }
        }));

        steps.Subcommands.Add(run);
        steps.Subcommands.Add(list);
        steps.Subcommands.Add(get);
        return steps;
    }
}
