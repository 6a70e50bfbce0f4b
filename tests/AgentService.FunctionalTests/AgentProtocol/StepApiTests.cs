using System.Net;
using System.Text.Json;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.AgentProtocol;

public sealed class StepApiTests : IAsyncLifetime
{
    private ServiceHost _host = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _host = await ServiceHost.StartAsync();
        _http = _host.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        Assert.Empty(_host.Errors);
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task ExecuteStep_Echo_CompletesWithOutputEqualToInputAndEverySpecProperty()
    {
        var taskId = await Api.CreateTaskAsync(_http);

        var step = await Api.PostJsonAsync(_http, $"ap/v1/agent/tasks/{taskId}/steps", """{"input":"ping","additional_input":{"k":"v"}}""");

        Assert.Equal(["additional_input", "additional_output", "artifacts", "input", "is_last", "name", "output", "status", "step_id", "task_id"], Api.PropertyNames(step));
        Assert.Equal(taskId, step.GetProperty("task_id").GetString());
        Assert.StartsWith("stp_", step.GetProperty("step_id").GetString());
        Assert.Equal("completed", step.GetProperty("status").GetString());
        Assert.Equal("ping", step.GetProperty("output").GetString());
        Assert.Equal("v", step.GetProperty("additional_input").GetProperty("k").GetString());
        Assert.True(step.GetProperty("is_last").GetBoolean());
        Assert.Equal(JsonValueKind.Null, step.GetProperty("additional_output").ValueKind);

        var fetched = await Api.GetJsonAsync(_http, $"ap/v1/agent/tasks/{taskId}/steps/{step.GetProperty("step_id").GetString()}");
        Assert.Equal(step.ToString(), fetched.ToString());
    }

    [Fact]
    public async Task ExecuteStep_WithoutInput_EchoesTheTaskInput()
    {
        var taskId = await Api.CreateTaskAsync(_http, "the task's words");

        var step = await Api.PostJsonAsync(_http, $"ap/v1/agent/tasks/{taskId}/steps", "");

        Assert.Equal("the task's words", step.GetProperty("output").GetString());
        Assert.Equal(JsonValueKind.Null, step.GetProperty("input").ValueKind);
    }

    [Fact]
    public async Task ExecuteStep_WriteToFileRequest_CreatesAgentArtifactWithTheWords()
    {
        var taskId = await Api.CreateTaskAsync(_http, "Write the word 'Washington' to a .txt file");

        var step = await Api.PostJsonAsync(_http, $"ap/v1/agent/tasks/{taskId}/steps", """{"input":"Write the word 'Washington' to a .txt file"}""");

        var artifact = Assert.Single(step.GetProperty("artifacts").EnumerateArray());
        Assert.True(artifact.GetProperty("agent_created").GetBoolean());
        Assert.Equal("output.txt", artifact.GetProperty("file_name").GetString());
        var artifactId = artifact.GetProperty("artifact_id").GetString();
        var task = await Api.GetJsonAsync(_http, $"ap/v1/agent/tasks/{taskId}");
        Assert.Equal(artifactId, Assert.Single(task.GetProperty("artifacts").EnumerateArray()).GetProperty("artifact_id").GetString());
        Assert.Equal("Washington", await _http.GetStringAsync($"ap/v1/agent/tasks/{taskId}/artifacts/{artifactId}"));
    }

    [Fact]
    public async Task ExecuteStep_AfterALastStep_IsAcceptedAsANewTurn()
    {
        var taskId = await Api.CreateTaskAsync(_http);
        var first = await Api.PostJsonAsync(_http, $"ap/v1/agent/tasks/{taskId}/steps", """{"input":"one"}""");
        Assert.True(first.GetProperty("is_last").GetBoolean());

        var second = await Api.PostJsonAsync(_http, $"ap/v1/agent/tasks/{taskId}/steps", """{"input":"y"}""");

        Assert.Equal("completed", second.GetProperty("status").GetString());
        Assert.Equal("y", second.GetProperty("output").GetString());
        var steps = await Api.GetJsonAsync(_http, $"ap/v1/agent/tasks/{taskId}/steps");
        Assert.Equal(2, steps.GetProperty("pagination").GetProperty("total_items").GetInt32());
    }

    [Fact]
    public async Task ExecuteStep_PreferWaitZero_ReturnsBeforeCompletionAndTheStepCompletesLater()
    {
        var taskId = await Api.CreateTaskAsync(_http);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"ap/v1/agent/tasks/{taskId}/steps") { Content = Api.Json("""{"input":"later"}""") };
        request.Headers.Add("Prefer", "wait=0");

        using var response = await _http.SendAsync(request);
        var step = await Api.ReadJsonAsync(response, HttpStatusCode.OK);

        Assert.Equal("wait=0", response.Headers.GetValues("Preference-Applied").Single());
        Assert.Contains(step.GetProperty("status").GetString(), new[] { "created", "running", "completed" });
        var stepId = step.GetProperty("step_id").GetString();
        var done = await Wait.UntilAsync(
            () => Api.GetJsonAsync(_http, $"ap/v1/agent/tasks/{taskId}/steps/{stepId}"),
            s => s.GetProperty("status").GetString() == "completed",
            what: "the step to complete");
        Assert.Equal("later", done.GetProperty("output").GetString());
    }

    [Fact]
    public async Task ExecuteStep_BuiltInAgent_IsStoredCompletedWithItsArtifact_EvenWithPreferWaitZero()
    {
        var taskId = await Api.CreateTaskAsync(_http);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"ap/v1/agent/tasks/{taskId}/steps")
        {
            Content = Api.Json("""{"input":"Write the word 'Boston' to a .txt file"}"""),
        };
        request.Headers.Add("Prefer", "wait=0");

        using var response = await _http.SendAsync(request);
        var step = await Api.ReadJsonAsync(response, HttpStatusCode.OK);

        // A built-in agent answers at once: the step is run, then stored completed, before the reply.
        Assert.Equal("completed", step.GetProperty("status").GetString());
        var artifact = Assert.Single(step.GetProperty("artifacts").EnumerateArray());
        var stepId = step.GetProperty("step_id").GetString();
        var stored = await Api.GetJsonAsync(_http, $"ap/v1/agent/tasks/{taskId}/steps/{stepId}");
        Assert.Equal("completed", stored.GetProperty("status").GetString());
        Assert.Equal(step.GetProperty("output").GetString(), stored.GetProperty("output").GetString());
        Assert.Equal(artifact.GetProperty("artifact_id").GetString(), Assert.Single(stored.GetProperty("artifacts").EnumerateArray()).GetProperty("artifact_id").GetString());
        using var bytes = await _http.GetAsync($"ap/v1/agent/tasks/{taskId}/artifacts/{artifact.GetProperty("artifact_id").GetString()}");
        Assert.Equal("Boston", await bytes.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ListSteps_PagesInCreationOrder()
    {
        var taskId = await Api.CreateTaskAsync(_http);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var step = await Api.PostJsonAsync(_http, $"ap/v1/agent/tasks/{taskId}/steps", JsonSerializer.Serialize(new { input = $"s{i}" }));
            ids.Add(step.GetProperty("step_id").GetString()!);
        }

        var page2 = await Api.GetJsonAsync(_http, $"ap/v1/agent/tasks/{taskId}/steps?current_page=2&page_size=2");

        Assert.Equal(ids.Skip(2).Take(2), page2.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("step_id").GetString()));
        Assert.Equal(3, page2.GetProperty("pagination").GetProperty("total_pages").GetInt32());
        Assert.All(page2.GetProperty("steps").EnumerateArray(), s => Assert.Equal("completed", s.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Steps_UnknownTaskOrStep_Are404()
    {
        var taskId = await Api.CreateTaskAsync(_http);

        await Api.PostJsonAsync(_http, "ap/v1/agent/tasks/run_unknown/steps", """{"input":"x"}""", HttpStatusCode.NotFound);
        await Api.GetJsonAsync(_http, "ap/v1/agent/tasks/run_unknown/steps", HttpStatusCode.NotFound);
        var error = await Api.GetJsonAsync(_http, $"ap/v1/agent/tasks/{taskId}/steps/stp_unknown", HttpStatusCode.NotFound);
        Assert.Contains("stp_unknown", error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("""{"input": {"a": 1}}""", "input")]
    [InlineData("""{"additional_input": 3}""", "additional_input")]
    [InlineData("{\"input\":", "body")]
    public async Task ExecuteStep_MalformedBody_Is422AndCreatesNoStep(string body, string field)
    {
        var taskId = await Api.CreateTaskAsync(_http);

        using var response = await _http.PostAsync($"ap/v1/agent/tasks/{taskId}/steps", Api.Json(body));

        await Api.AssertInvalidAsync(response, field);
        var steps = await Api.GetJsonAsync(_http, $"ap/v1/agent/tasks/{taskId}/steps");
        Assert.Equal(0, steps.GetProperty("pagination").GetProperty("total_items").GetInt32());
    }

    [Fact]
    public async Task ExecuteStep_ConcurrentSteps_AllCompleteWithTheirOwnOutput()
    {
        var taskId = await Api.CreateTaskAsync(_http);

        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Api.PostJsonAsync(_http, $"ap/v1/agent/tasks/{taskId}/steps", JsonSerializer.Serialize(new { input = $"n{i}" }))));

        Assert.All(results, r => Assert.Equal("completed", r.GetProperty("status").GetString()));
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"n{i}").Order(), results.Select(r => r.GetProperty("output").GetString()).Order());
        var steps = await Api.GetJsonAsync(_http, $"ap/v1/agent/tasks/{taskId}/steps?page_size=100");
        Assert.Equal(40, steps.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("step_id").GetString()).Distinct().Count());
    }
}
