using AgentService.Samples.EchoAgent;

namespace AgentService.Server.Runs.BuiltIn;

/// <summary>
/// The built-in in-process <c>echo</c> agent (<c>AgentService:DefaultAgent=builtin</c>, or when the EchoAgent runtime
/// cannot be found): each step completes with output = its input (the task's input when the step has none) and
/// <c>is_last: true</c>. When the text asks to write words to a file (<see cref="WriteFileRequest"/>, shared with the
/// EchoAgent runtime) it also creates that file as an artifact of the step.
/// </summary>
internal sealed class EchoAgent : IBuiltInAgent
{
    public Task<StepOutcome> ExecuteStepAsync(StepWork work, CancellationToken cancellationToken)
    {
        var text = work.Step.Input ?? work.Task.Input;
        var file = WriteFileRequest.Parse(text);
        OutcomeFile[]? files = file is null ? null : [new OutcomeFile(file.FileName, null, file.Content)];
        return Task.FromResult(new StepOutcome(text, IsLast: true, Name: file is null ? "echo" : "write_file", Files: files));
    }
}
