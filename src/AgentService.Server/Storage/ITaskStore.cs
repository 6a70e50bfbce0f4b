namespace AgentService.Server.Storage;

/// <summary>Tasks of the Agent Protocol. Every write is committed before the returned task completes.</summary>
internal interface ITaskStore
{
    /// <summary>Stores a new task as the next of its agent's tasks.</summary>
    Task<TaskRecord> CreateAsync(string taskId, string agentId, string? input, string? additionalInput, CancellationToken cancellationToken);

    Task<TaskRecord?> GetAsync(string taskId, CancellationToken cancellationToken);

    /// <summary>A page of the agent's tasks in creation order; the cost does not depend on the page number.</summary>
    Task<Page<TaskRecord>> ListAsync(string agentId, PageRequest page, CancellationToken cancellationToken);
}
