namespace AgentService.Server.Storage;

/// <summary>The result of a step, recorded with the artifacts it produced in one transaction.</summary>
internal sealed record StepCompletion(
    string StepId,
    string? Name,
    string? Output,
    string? AdditionalOutput,
    bool IsLast,
    IReadOnlyList<NewArtifact> Artifacts);
