namespace AgentService.Server.Storage;

/// <summary>Artifact metadata of tasks (the bytes are in the <see cref="IBlobStore"/>).</summary>
internal interface IArtifactStore
{
    /// <summary>Records an artifact as the next of its task's artifacts; <c>null</c> when the task does not exist.</summary>
    Task<ArtifactRecord?> CreateAsync(NewArtifact artifact, CancellationToken cancellationToken);

    Task<ArtifactRecord?> GetAsync(string taskId, string artifactId, CancellationToken cancellationToken);

    /// <summary>A page of the task's artifacts in creation order; the cost does not depend on the page number.</summary>
    Task<Page<ArtifactRecord>> ListAsync(string taskId, PageRequest page, CancellationToken cancellationToken);

    /// <summary>All artifacts of the given tasks, in creation order within each task.</summary>
    Task<IReadOnlyList<ArtifactRecord>> ListByTasksAsync(IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken);

    /// <summary>All artifacts produced by the given steps, in creation order.</summary>
    Task<IReadOnlyList<ArtifactRecord>> ListByStepsAsync(IReadOnlyCollection<string> stepIds, CancellationToken cancellationToken);
}
