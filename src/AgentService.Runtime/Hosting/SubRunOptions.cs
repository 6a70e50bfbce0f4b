namespace AgentService.Runtime.Hosting;

/// <summary>How a sub-run is spawned (<see cref="IRunContext.SpawnSubRunAsync"/>, <see cref="IRunContext.StartAgentTaskAsync"/>).</summary>
public sealed class SubRunOptions
{
    /// <summary>The parent waits for the child (<c>waiting(subrun)</c>) and is woken by its end. Default true.</summary>
    public bool Await { get; init; } = true;

    /// <summary><c>delegate</c> (default), <c>parallel</c>, <c>handoff</c> or <c>tool</c>.</summary>
    public string Relation { get; init; } = "delegate";

    /// <summary>A local sub-run's agent name as it appears in its task.start (default: the parent's agent name).</summary>
    public string? AgentName { get; init; }

    /// <summary>The tool call that started the child, if any.</summary>
    public string? ParentToolCallId { get; init; }

    /// <summary>The child run id to use (default: a new one). A retry with the same id is a duplicate the service ignores.</summary>
    public string? ChildRunId { get; init; }

    /// <summary>
    /// Runs of this run's tree that must complete before the child starts (<c>dependsOn</c>), e.g. sub-runs spawned
    /// before it: the ids <see cref="IRunContext.SpawnSubRunAsync"/> and <see cref="IRunContext.StartAgentTaskAsync"/>
    /// returned. Until they have, the child waits (<c>waiting(dependency)</c>) and nothing is delivered to it; when one
    /// ends otherwise, the child ends without starting (<c>dependency_failed</c>). At most 64.
    /// </summary>
    public IReadOnlyList<string>? DependsOn { get; init; }
}
