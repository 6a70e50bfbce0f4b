using AgentService.Protocol.Ids;
using AgentService.Protocol.Runtime.Events;
using AgentService.Protocol.Runtime.Values;
using AgentService.Runtime.Events;

namespace AgentService.Runtime.Hosting;

internal sealed partial class RunContext
{
    public Task<string> SpawnSubRunAsync(TaskSpec task, SubRunOptions? options = null, CancellationToken cancellationToken = default) =>
        SpawnAsync("local", (options?.AgentName ?? Task?.Agent?.Name) ?? "subagent", task, options, cancellationToken);

    public Task<string> StartAgentTaskAsync(string agentName, TaskSpec task, SubRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(agentName);
        return SpawnAsync("service", agentName, task, options, cancellationToken);
    }

    private async Task<string> SpawnAsync(string hosting, string agentName, TaskSpec task, SubRunOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        var childRunId = options?.ChildRunId ?? TypeId.New(IdPrefixes.Run);
        await PublishAsync([OutputEvents.SubrunSpawned(new SubrunSpawnedData
        {
            ChildRunId = childRunId,
            Relation = options?.Relation ?? "delegate",
            Agent = new AgentRef { Name = agentName },
            AwaitChild = options?.Await ?? true,
            Hosting = hosting,
            Task = task,
            ParentToolCallId = options?.ParentToolCallId,
            DependsOn = options?.DependsOn is { Count: > 0 } dependsOn ? dependsOn : null,
        })], cancellationToken).ConfigureAwait(false);
        return childRunId;
    }
}
