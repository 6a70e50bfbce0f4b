using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentService.Protocol.Runtime.Inputs;
using AgentService.Runtime.Hosting;

namespace AgentService.Samples.CheckpointAgent;

/// <summary>
/// Adds up integers, one per step, and answers each step with the whole history (<see cref="Describe"/>), so an input
/// lost or applied twice shows in every later output. The task's instructions are the number of steps; the step that
/// reaches it is the last. The state (the inputs so far and the total) is saved as a checkpoint at every step boundary
/// and restored from <c>run.resume</c> by a new process, which then gets only the inputs after it.
/// </summary>
public sealed class SummingAgent(TimeSpan work) : IAgent
{
    private readonly List<long> _inputs = [];
    private int _total;

    /// <summary>The output of a step after <paramref name="inputs"/>: count, sum and the inputs in order.</summary>
    public static string Describe(IEnumerable<long> inputs)
    {
        var list = inputs.ToList();
        return string.Create(CultureInfo.InvariantCulture, $"{list.Count} inputs, sum {list.Sum()}: {string.Join(',', list)}");
    }

    public Task OnTaskStartAsync(IRunContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        _total = int.TryParse(context.Task?.Task.Instructions, NumberStyles.None, CultureInfo.InvariantCulture, out var total) ? total : 0;
        return Task.CompletedTask;
    }

    public async Task OnResumeAsync(IRunContext context, RunResumePayload resumePayload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await context.LoadCheckpointAsync(cancellationToken) is { } state)
        {
            _total = state.GetProperty("total").GetInt32();
            _inputs.AddRange(state.GetProperty("inputs").EnumerateArray().Select(i => i.GetInt64()));
        }
    }

    public async Task<StepResult> OnStepAsync(IRunContext context, StepInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        if (!long.TryParse(input.Input, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw new ArgumentException($"Each step's input is an integer, not '{input.Input}'.", nameof(input));
        }

        await Task.Delay(work, cancellationToken); // the step's work: a window in which the process may die
        _inputs.Add(value);
        var inputs = new JsonArray();
        _inputs.ForEach(i => inputs.Add(JsonValue.Create(i)));
        var state = new JsonObject { ["total"] = _total, ["inputs"] = inputs };
        using (var document = JsonDocument.Parse(state.ToJsonString()))
        {
            // Stored atomically with this step's step.finished: a new process resumes after this step, never inside it.
            await context.SaveCheckpointAsync(document.RootElement, cancellationToken: cancellationToken);
        }

        return new StepResult { Output = Describe(_inputs), IsLast = _total > 0 && _inputs.Count >= _total, Name = "add" };
    }
}
