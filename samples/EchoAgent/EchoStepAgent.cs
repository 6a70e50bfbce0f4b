using AgentService.Runtime.Hosting;

namespace AgentService.Samples.EchoAgent;

/// <summary>
/// The echo agent as a runtime (the service's default agent): every step answers with its input (the task's
/// instructions when the step has none), as the last step of the turn. When that text asks to write words to a file
/// (<see cref="WriteFileRequest"/>), the step first creates the file as an artifact of the step.
/// </summary>
public sealed class EchoStepAgent : IAgent
{
    public async Task<StepResult> OnStepAsync(IRunContext context, StepInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var text = input.Input ?? context.Task?.Task.Instructions;
        if (WriteFileRequest.Parse(text) is not { } file)
        {
            return new StepResult { Output = text, IsLast = true, Name = "echo" };
        }

        await context.CreateArtifactAsync(file.FileName, file.Content, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new StepResult { Output = text, IsLast = true, Name = "write_file" };
    }
}
