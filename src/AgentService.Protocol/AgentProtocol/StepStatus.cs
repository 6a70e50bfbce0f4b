namespace AgentService.Protocol.AgentProtocol;

/// <summary>The values of the Agent Protocol step <c>status</c>.</summary>
public static class StepStatus
{
    /// <summary>Stored, not yet picked up by the agent.</summary>
    public const string Created = "created";

    /// <summary>The agent is working on it.</summary>
    public const string Running = "running";

    /// <summary>Finished (successfully or not: a failure is reported in <c>additional_output.error</c>).</summary>
    public const string Completed = "completed";
}
