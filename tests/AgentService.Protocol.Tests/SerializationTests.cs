using System.Text.Json;
using AgentService.Protocol.AgentProtocol;
using AgentService.Protocol.Json;

namespace AgentService.Protocol.Tests;

public sealed class SerializationTests
{
    [Fact]
    public void Task_WritesOptionalPropertiesAsExplicitNulls()
    {
        var json = JsonSerializer.Serialize(new AgentTask { TaskId = "run_x", Artifacts = [] }, ProtocolJsonContext.Wire.AgentTask);

        Assert.Equal("""{"task_id":"run_x","input":null,"additional_input":null,"artifacts":[]}""", json);
    }

    [Fact]
    public void Step_KeepsOpenObjectsVerbatimAndTextUnescaped()
    {
        var step = new TaskStep
        {
            TaskId = "run_x",
            StepId = "stp_y",
            Input = "it's \"quoted\" — ünïcode <tag>",
            AdditionalInput = new RawJson("""{"a": [1, 2.50, {"b": null}]}"""),
            Status = StepStatus.Completed,
            Artifacts = [new Artifact { ArtifactId = "art_z", AgentCreated = true, FileName = "f.txt" }],
            IsLast = true,
        };

        var json = JsonSerializer.Serialize(step, ProtocolJsonContext.Wire.TaskStep);

        Assert.Contains("\"input\":\"it's \\\"quoted\\\" — ünïcode <tag>\"", json);
        Assert.Contains("""
            "additional_input":{"a": [1, 2.50, {"b": null}]}
            """.Trim(), json);
        Assert.Contains("\"relative_path\":null", json);
        var back = JsonSerializer.Deserialize(json, ProtocolJsonContext.Wire.TaskStep)!;
        Assert.Equal(step.Input, back.Input);
        Assert.Equal(2.5m, back.AdditionalInput!.Value.ToElement().GetProperty("a")[1].GetDecimal());
    }

    [Fact]
    public void ErrorResponse_OmitsErrorsWhenThereAreNone()
    {
        var json = JsonSerializer.Serialize(new ErrorResponse { Message = "nope" }, ProtocolJsonContext.Wire.ErrorResponse);

        Assert.Equal("""{"message":"nope"}""", json);
    }

    [Theory]
    [InlineData(0, 10, 0)]
    [InlineData(1, 10, 1)]
    [InlineData(10, 10, 1)]
    [InlineData(11, 10, 2)]
    [InlineData(100_000, 100, 1000)]
    [InlineData(100_001, 100, 1001)]
    public void Pagination_TotalPagesIsTheCeiling(long items, int size, long pages) =>
        Assert.Equal(pages, Pagination.For(items, 1, size).TotalPages);
}
