
namespace AgentService.Server.Storage;

/// <summary>A step as stored at its completion, with the artifacts it produced.</summary>
internal sealed record CompletedStep(StepRecord Step, IReadOnlyList<ArtifactRecord> Artifacts);
