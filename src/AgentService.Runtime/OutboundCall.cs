using System.Text.Json;

namespace AgentService.Runtime;

/// <summary>A request of the app (secrets, config, KV, output batch) kept until answered: resent in order after re-attach,
/// with the new runtimeConnectionId written by <see cref="WriteParams"/>.</summary>
internal sealed class OutboundCall(string method, Action<Utf8JsonWriter, string> writeParams)
{
    private readonly TaskCompletionSource<JsonElement> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Method { get; } = method;

    public Action<Utf8JsonWriter, string> WriteParams { get; } = writeParams;

    public Task<JsonElement> Task => _reply.Task;

    public bool IsDone => _reply.Task.IsCompleted;

    public void Complete(JsonElement result) => _reply.TrySetResult(result);

    public void Fail(Exception error) => _reply.TrySetException(error);

    public void Cancel(CancellationToken cancellationToken) => _reply.TrySetCanceled(cancellationToken);
}
