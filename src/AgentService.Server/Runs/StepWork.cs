using AgentService.Server.Storage;

namespace AgentService.Server.Runs;

/// <summary>A stored step that an executor must run, with its task.</summary>
internal sealed record StepWork(TaskRecord Task, StepRecord Step);
