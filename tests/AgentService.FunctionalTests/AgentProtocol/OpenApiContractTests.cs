using System.Net;
using System.Text.Json;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.AgentProtocol;

/// <summary>Every answer of every operation, checked against the response schema of the OpenAPI file in spec/.</summary>
public sealed class OpenApiContractTests
{
    [Fact]
    public async Task EveryOperation_AnswersExactlyTheSchemaOfTheSpec()
    {
        var contract = OpenApiContract.Load();
        await using var host = await ServiceHost.StartAsync();
        using var http = host.CreateClient();
        var checks = new List<(string Operation, JsonElement Body)>();

        var task = await Api.PostJsonAsync(http, "ap/v1/agent/tasks", """{"input":"Write the word 'Washington' to a .txt file","additional_input":{"a":1}}""");
        checks.Add(("createAgentTask", task));
        checks.Add(("createAgentTask", await Api.PostJsonAsync(http, "ap/v1/agent/tasks", "{}")));
        var taskId = task.GetProperty("task_id").GetString();
        var step = await Api.PostJsonAsync(http, $"ap/v1/agent/tasks/{taskId}/steps", """{"input":"Write the word 'Washington' to a .txt file"}""");
        checks.Add(("executeAgentTaskStep", step));
        checks.Add(("getAgentTaskStep", await Api.GetJsonAsync(http, $"ap/v1/agent/tasks/{taskId}/steps/{step.GetProperty("step_id").GetString()}")));
        checks.Add(("listAgentTaskSteps", await Api.GetJsonAsync(http, $"ap/v1/agent/tasks/{taskId}/steps")));
        using (var upload = await Api.UploadAsync(http, taskId!, "x"u8.ToArray(), "x.txt", "dir"))
        {
            checks.Add(("uploadAgentTaskArtifacts", await Api.ReadJsonAsync(upload, HttpStatusCode.OK)));
        }

        checks.Add(("getAgentTask", await Api.GetJsonAsync(http, $"ap/v1/agent/tasks/{taskId}")));
        checks.Add(("listAgentTasks", await Api.GetJsonAsync(http, "ap/v1/agent/tasks?page_size=1&current_page=2")));
        checks.Add(("listAgentTaskArtifacts", await Api.GetJsonAsync(http, $"ap/v1/agent/tasks/{taskId}/artifacts")));

        var errors = checks.SelectMany(c => contract.Validate(c.Body, contract.ResponseSchema(c.Operation), c.Operation)).ToList();

        Assert.Empty(errors);
        Assert.Empty(host.Errors);
    }

    [Fact]
    public void Contract_CatchesAnswersThatLeaveTheSchema()
    {
        var contract = OpenApiContract.Load();
        using var wrong = JsonDocument.Parse("""{"task_id":"t","input":3,"artifacts":[{"artifact_id":"a","agent_created":"yes","file_name":"f","relative_path":null}],"extra":1}""");

        var errors = contract.Validate(wrong.RootElement, contract.ResponseSchema("getAgentTask"), "task");

        Assert.Contains("task/input: expected a string, got Number", errors);
        Assert.Contains("task/artifacts/0/agent_created: expected a boolean, got String", errors);
        Assert.Contains("task/extra: not in the schema", errors);
        Assert.Contains("task/additional_input: optional property missing (should be present, null if unset)", errors);
    }
}
