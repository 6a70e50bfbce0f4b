namespace AgentService.Server.Storage;

/// <summary>An artifact to record; its bytes are already in the blob store under <see cref="Blob"/>.</summary>
internal sealed record NewArtifact(
    string ArtifactId,
    string TaskId,
    string? StepId,
    string FileName,
    string? RelativePath,
    bool AgentCreated,
    BlobRef Blob);
