namespace AgentService.Server.Storage;

/// <summary>A stored artifact: metadata plus the content address of its bytes in the <see cref="IBlobStore"/>.
/// <see cref="Seq"/> is its gap-free position among its task's artifacts.</summary>
internal sealed record ArtifactRecord(
    string ArtifactId,
    string TaskId,
    string? StepId,
    long Seq,
    string FileName,
    string? RelativePath,
    bool AgentCreated,
    string BlobHash,
    long Size,
    DateTimeOffset CreatedAt);
