namespace AgentService.Server.Runs.BuiltIn;

/// <summary>What a built-in agent produced for a step.</summary>
internal sealed record StepOutcome(
    string? Output,
    bool IsLast,
    string? Name = null,
    string? AdditionalOutputJson = null,
    IReadOnlyList<OutcomeFile>? Files = null);

/// <summary>A file the agent created; stored as an agent-created artifact of the step.</summary>
internal sealed record OutcomeFile(string FileName, string? RelativePath, ReadOnlyMemory<byte> Content);
