namespace AgentService.Runtime;

/// <summary>A publish call waiting for its events (ordinals <see cref="First"/> to <see cref="Last"/>).</summary>
internal sealed class PublishWaiter(long first, long last)
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long First { get; } = first;

    public long Last { get; } = last;

    public Task Task => _done.Task;

    public void Complete() => _done.TrySetResult();

    public void Fail(Exception error) => _done.TrySetException(error);
}
