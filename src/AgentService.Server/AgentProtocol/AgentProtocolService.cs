using AgentService.Protocol.AgentProtocol;
using AgentService.Protocol.Ids;
using AgentService.Server.Agents;
using AgentService.Server.Errors;
using AgentService.Server.Hosting;
using AgentService.Server.Runs;
using AgentService.Server.Storage;
using Microsoft.Extensions.Options;

namespace AgentService.Server.AgentProtocol;

/// <summary>The Agent Protocol operations over the stores and the step executor. Agent-scoped: a task of one agent
/// is not found through another agent's routes.</summary>
internal sealed class AgentProtocolService(
    AgentCatalog agents,
    ITaskStore tasks,
    IStepStore steps,
    IArtifactStore artifacts,
    IBlobStore blobs,
    IStepExecutor executor,
    StepNotifier notifier,
    IHostApplicationLifetime lifetime,
    IOptions<AgentServiceOptions> options)
{
    public AgentServiceOptions Options => options.Value;

    /// <summary>The agent of a route: <paramref name="agentId"/>, or the default agent when it is <c>null</c>.</summary>
    public async ValueTask<AgentDefinition> ResolveAgentAsync(string? agentId, CancellationToken cancellationToken)
    {
        if (agentId is null)
        {
            return agents.Default;
        }

        return await agents.FindAsync(agentId, cancellationToken) ?? throw ServiceException.NotFound($"Unable to find agent with the provided id '{agentId}'.");
    }

    public async Task<AgentTask> CreateTaskAsync(AgentDefinition agent, string? input, string? additionalInput, CancellationToken cancellationToken)
    {
        var task = await tasks.CreateAsync(TypeId.New(IdPrefixes.Run), agent.Id, input, additionalInput, cancellationToken);

        // The task is stored and is answered as created even if preparing its run fails now: the first step prepares it again.
        await executor.TaskCreatedAsync(task, CancellationToken.None);
        return AgentProtocolMapper.ToTask(task, []);
    }

    public async Task<AgentTask> GetTaskAsync(AgentDefinition agent, string taskId, CancellationToken cancellationToken)
    {
        var task = await FindTaskAsync(agent, taskId, cancellationToken);
        var taskArtifacts = await artifacts.ListByTasksAsync([task.TaskId], cancellationToken);
        return AgentProtocolMapper.ToTask(task, taskArtifacts);
    }

    public async Task<TaskListResponse> ListTasksAsync(AgentDefinition agent, PageRequest page, CancellationToken cancellationToken)
    {
        var result = await tasks.ListAsync(agent.Id, page, cancellationToken);
        var byTask = (await artifacts.ListByTasksAsync(result.Items.Select(t => t.TaskId).ToList(), cancellationToken)).ToLookup(a => a.TaskId);
        return new TaskListResponse
        {
            Tasks = result.Items.Select(t => AgentProtocolMapper.ToTask(t, byTask[t.TaskId])).ToList(),
            Pagination = Pagination.For(result.TotalItems, page.PageNumber, page.PageSize),
        };
    }

    /// <summary>Stores the step, hands it to the executor and waits up to <paramref name="wait"/> for its completion.
    /// Returns the step as it is then: <c>completed</c>, or still <c>created</c>/<c>running</c>. A step the executor
    /// runs at once (built-in agents) is stored once, completed. When the service begins to stop, the wait ends at once
    /// and the step is returned as it is, so a graceful shutdown is not held up by requests waiting for runtimes.</summary>
    public async Task<TaskStep> ExecuteStepAsync(AgentDefinition agent, string taskId, string? input, string? additionalInput, TimeSpan wait, CancellationToken cancellationToken)
    {
        var task = await FindTaskAsync(agent, taskId, cancellationToken);
        var stepId = TypeId.New(IdPrefixes.Step);
        if (executor.RunsNow(task))
        {
            var done = await executor.RunNowAsync(task, stepId, input, additionalInput, cancellationToken) ?? throw TaskNotFound(taskId);
            return AgentProtocolMapper.ToStep(done.Step, done.Artifacts);
        }

        using var waiter = notifier.Listen(stepId);
        var step = await executor.SubmitAsync(task, stepId, input, additionalInput, cancellationToken)
            ?? throw TaskNotFound(taskId);
        using var waitEnds = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        CompletedStep? completed;
        try
        {
            completed = await waiter.WaitAsync(wait, waitEnds.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            completed = null;
        }

        if (completed is not null)
        {
            return AgentProtocolMapper.ToStep(completed.Step, completed.Artifacts);
        }

        var current = await steps.GetAsync(task.TaskId, stepId, CancellationToken.None) ?? step;
        var stepArtifacts = await artifacts.ListByStepsAsync([stepId], CancellationToken.None);
        return AgentProtocolMapper.ToStep(current, stepArtifacts);
    }

    public async Task<TaskStep> GetStepAsync(AgentDefinition agent, string taskId, string stepId, CancellationToken cancellationToken)
    {
        var task = await FindTaskAsync(agent, taskId, cancellationToken);
        var step = await steps.GetAsync(task.TaskId, stepId, cancellationToken)
            ?? throw ServiceException.NotFound($"Unable to find step with the provided id '{stepId}' in task '{taskId}'.");
        return AgentProtocolMapper.ToStep(step, await artifacts.ListByStepsAsync([stepId], cancellationToken));
    }

    public async Task<StepListResponse> ListStepsAsync(AgentDefinition agent, string taskId, PageRequest page, CancellationToken cancellationToken)
    {
        var task = await FindTaskAsync(agent, taskId, cancellationToken);
        var result = await steps.ListAsync(task.TaskId, page, cancellationToken);
        var byStep = (await artifacts.ListByStepsAsync(result.Items.Select(s => s.StepId).ToList(), cancellationToken)).ToLookup(a => a.StepId);
        return new StepListResponse
        {
            Steps = result.Items.Select(s => AgentProtocolMapper.ToStep(s, byStep[s.StepId])).ToList(),
            Pagination = Pagination.For(result.TotalItems, page.PageNumber, page.PageSize),
        };
    }

    public async Task<ArtifactListResponse> ListArtifactsAsync(AgentDefinition agent, string taskId, PageRequest page, CancellationToken cancellationToken)
    {
        var task = await FindTaskAsync(agent, taskId, cancellationToken);
        var result = await artifacts.ListAsync(task.TaskId, page, cancellationToken);
        return new ArtifactListResponse
        {
            Artifacts = result.Items.Select(AgentProtocolMapper.ToArtifact).ToList(),
            Pagination = Pagination.For(result.TotalItems, page.PageNumber, page.PageSize),
        };
    }

    /// <summary>Checks that the task exists before an upload is read, so a wrong id is answered without taking the bytes.</summary>
    public Task<TaskRecord> RequireTaskAsync(AgentDefinition agent, string taskId, CancellationToken cancellationToken) =>
        FindTaskAsync(agent, taskId, cancellationToken);

    public Task<BlobRef> StoreBlobAsync(Stream content, CancellationToken cancellationToken) =>
        blobs.PutAsync(content, options.Value.MaxUploadBytes, cancellationToken);

    public async Task<Artifact> RecordUploadAsync(TaskRecord task, string fileName, string? relativePath, BlobRef blob, bool agentCreated, CancellationToken cancellationToken)
    {
        var artifact = new NewArtifact(TypeId.New(IdPrefixes.Artifact), task.TaskId, null, fileName, relativePath, agentCreated, blob);
        var stored = await artifacts.CreateAsync(artifact, cancellationToken) ?? throw TaskNotFound(task.TaskId);
        return AgentProtocolMapper.ToArtifact(stored);
    }

    public async Task<ArtifactRecord> GetArtifactRecordAsync(string taskId, string artifactId, CancellationToken cancellationToken) =>
        await artifacts.GetAsync(taskId, artifactId, cancellationToken) ?? throw ServiceException.NotFound($"Unable to find artifact '{artifactId}'.");

    /// <summary>The artifact's metadata and its bytes, open for streaming.</summary>
    public async Task<(ArtifactRecord Artifact, Stream Content)> OpenArtifactAsync(AgentDefinition agent, string taskId, string artifactId, CancellationToken cancellationToken)
    {
        var task = await FindTaskAsync(agent, taskId, cancellationToken);
        var artifact = await artifacts.GetAsync(task.TaskId, artifactId, cancellationToken)
            ?? throw ServiceException.NotFound($"Unable to find artifact with the provided id '{artifactId}' in task '{taskId}'.");
        var content = await blobs.OpenReadAsync(artifact.BlobHash, cancellationToken)
            ?? throw new ServiceException(ErrorCode.Internal, $"The bytes of artifact '{artifactId}' are missing from the blob store.");
        return (artifact, content);
    }

    private async Task<TaskRecord> FindTaskAsync(AgentDefinition agent, string taskId, CancellationToken cancellationToken)
    {
        var task = await tasks.GetAsync(taskId, cancellationToken);
        return task is not null && task.AgentId == agent.Id ? task : throw TaskNotFound(taskId);
    }

    private static ServiceException TaskNotFound(string taskId) =>
        ServiceException.NotFound($"Unable to find task with the provided id '{taskId}'.");
}
