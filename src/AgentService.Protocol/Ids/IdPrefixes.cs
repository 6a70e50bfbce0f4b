namespace AgentService.Protocol.Ids;

/// <summary>The TypeID prefixes of the platform's identifiers (PROTOCOL.md §9).</summary>
public static class IdPrefixes
{
    /// <summary>A run; the Agent Protocol <c>task_id</c> is the id of the task's main run.</summary>
    public const string Run = "run";

    /// <summary>A step; the Agent Protocol <c>step_id</c>.</summary>
    public const string Step = "stp";

    /// <summary>A stored artifact; the Agent Protocol <c>artifact_id</c>.</summary>
    public const string Artifact = "art";
}
