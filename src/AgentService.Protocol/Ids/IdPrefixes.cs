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

    /// <summary>A gateway message; the <c>message_id</c> of <c>POST /gateway/send</c>.</summary>
    public const string Message = "msg";

    /// <summary>A gateway conversation started without an id.</summary>
    public const string Conversation = "conv";
}
