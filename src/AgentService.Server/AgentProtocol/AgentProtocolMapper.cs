using AgentService.Protocol.AgentProtocol;
using AgentService.Protocol.Json;
using AgentService.Server.Storage;

namespace AgentService.Server.AgentProtocol;

/// <summary>Stored records to Agent Protocol wire types.</summary>
internal static class AgentProtocolMapper
{
    /// <summary>The spec's TaskInput and StepInput are objects that are not nullable: an absent one is answered as {}.</summary>
    private static readonly RawJson EmptyObject = new("{}");

    public static AgentTask ToTask(TaskRecord task, IEnumerable<ArtifactRecord> artifacts) => new()
    {
        TaskId = task.TaskId,
        Input = task.Input,
        AdditionalInput = Raw(task.AdditionalInput) ?? EmptyObject,
        Artifacts = artifacts.Select(ToArtifact).ToList(),
    };

    public static TaskStep ToStep(StepRecord step, IEnumerable<ArtifactRecord> artifacts) => new()
    {
        TaskId = step.TaskId,
        StepId = step.StepId,
        Input = step.Input,
        AdditionalInput = Raw(step.AdditionalInput) ?? EmptyObject,
        Name = step.Name,
        Status = step.Status,
        Output = step.Output,
        AdditionalOutput = Raw(step.AdditionalOutput),
        Artifacts = artifacts.Select(ToArtifact).ToList(),
        IsLast = step.IsLast,
    };

    public static Artifact ToArtifact(ArtifactRecord artifact) => new()
    {
        ArtifactId = artifact.ArtifactId,
        AgentCreated = artifact.AgentCreated,
        FileName = artifact.FileName,
        RelativePath = artifact.RelativePath,
    };

    private static RawJson? Raw(string? json) => json is null ? null : new RawJson(json);
}
