using System.Net;
using System.Text.Json;
using AgentService.Server.Hosting;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.Runtime;

/// <summary>
/// The default agent <c>echo</c> of a service started with no agents file and no switch: the EchoAgent sample, built
/// with the server into <c>agents/echo/</c>, launched by the service as a runtime process per run; the built-in echo
/// when asked for (<c>AgentService:DefaultAgent=builtin</c>) or, with a warning, when the EchoAgent is missing.
/// </summary>
public sealed class DefaultAgentTests
{
    private const string Washington = "Write the word 'Washington' to a .txt file";

    [Fact]
    public async Task ServerStartedLikeDotnetRun_RunsTheStepsOnALaunchedEchoAgentProcess()
    {
        // Its own executable, as 'dotnet run --project src/AgentService.Server' starts it: no dotnet host in its command line.
        await using var server = await ServerProcess.StartAppHostAsync();
        using var http = server.CreateClient();
        var taskId = await Api.CreateTaskAsync(http, "hi");

        var step = await Api.PostJsonAsync(http, $"ap/v1/agent/tasks/{taskId}/steps", """{"input":"over the wire"}""");

        Assert.Equal("completed", step.GetProperty("status").GetString());
        Assert.Equal("over the wire", step.GetProperty("output").GetString());
        Assert.True(step.GetProperty("is_last").GetBoolean());
        Assert.Equal("echo", step.GetProperty("name").GetString());
        var run = await Api.GetJsonAsync(http, $"v1/runs/{taskId}");
        Assert.Equal("echo", run.GetProperty("agentId").GetString());
        var attempt = Assert.Single(run.GetProperty("attempts").EnumerateArray());
        Assert.Equal("active", attempt.GetProperty("status").GetString());
        var attemptId = attempt.GetProperty("attemptId").GetString()!;
        // The launcher keeps each process's output in <data-dir>/runs/<run>/<attempt>.log.
        Assert.True(File.Exists(Path.Combine(server.DataDir, "runs", taskId, attemptId + ".log")), server.Output);
        Assert.Contains("agents/echo/EchoAgent.dll".Replace('/', Path.DirectorySeparatorChar), server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("[5650]", server.Output, StringComparison.Ordinal);
    }

    [NativeEchoAgentFact]
    public async Task PublishedWithANativeEchoAgent_TheDefaultAgentRunsItWithoutTheDotnetHost()
    {
        // 'dotnet publish src/AgentService.Server -p:EchoAgentAot=true': agents/echo/ holds one native executable.
        var published = NativeEchoAgentFactAttribute.ServerDirectory!;
        var native = Path.Combine(published, "agents", "echo", "EchoAgent");
        Assert.False(File.Exists(Path.Combine(published, "agents", "echo", "EchoAgent.dll")));
        await using var server = await ServerProcess.StartPublishedAsync(published);
        using var http = server.CreateClient();
        var taskId = await Api.CreateTaskAsync(http, Washington);

        var first = await Api.PostJsonAsync(http, $"ap/v1/agent/tasks/{taskId}/steps", "{}");
        var second = await Api.PostJsonAsync(http, $"ap/v1/agent/tasks/{taskId}/steps", """{"input":"natively"}""");

        Assert.Equal("completed", first.GetProperty("status").GetString());
        var artifact = Assert.Single(first.GetProperty("artifacts").EnumerateArray());
        Assert.Equal("Washington", await http.GetStringAsync($"ap/v1/agent/tasks/{taskId}/artifacts/{artifact.GetProperty("artifact_id").GetString()}"));
        Assert.Equal("natively", second.GetProperty("output").GetString());
        var run = await Api.GetJsonAsync(http, $"v1/runs/{taskId}");
        var attempt = Assert.Single(run.GetProperty("attempts").EnumerateArray());
        Assert.Equal("active", attempt.GetProperty("status").GetString());
        // Launched as itself: the command line is the executable alone.
        Assert.Contains($"launched per run: {native}{Environment.NewLine}", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteRequests_CreateAgentArtifactsFromTheProcess()
    {
        await using var host = await ServiceHost.StartDefaultAsync();
        using var http = host.CreateClient();
        var taskId = await Api.CreateTaskAsync(http, Washington);

        // A step without input works on the task's input, as the conformance suite's first step does.
        var first = await Api.PostJsonAsync(http, $"ap/v1/agent/tasks/{taskId}/steps", "{}");
        var second = await Api.PostJsonAsync(http, $"ap/v1/agent/tasks/{taskId}/steps", """{"input":"Write 'hello' to the file 'notes.md'"}""");

        Assert.Equal(Washington, first.GetProperty("output").GetString());
        Assert.True(first.GetProperty("is_last").GetBoolean());
        Assert.Equal("write_file", first.GetProperty("name").GetString());
        var washington = Assert.Single(first.GetProperty("artifacts").EnumerateArray());
        Assert.Equal("output.txt", washington.GetProperty("file_name").GetString());
        Assert.True(washington.GetProperty("agent_created").GetBoolean());
        Assert.Equal("Washington", await http.GetStringAsync($"ap/v1/agent/tasks/{taskId}/artifacts/{washington.GetProperty("artifact_id").GetString()}"));
        var notes = Assert.Single(second.GetProperty("artifacts").EnumerateArray());
        Assert.Equal("notes.md", notes.GetProperty("file_name").GetString());
        Assert.Equal("hello", await http.GetStringAsync($"ap/v1/agent/tasks/{taskId}/artifacts/{notes.GetProperty("artifact_id").GetString()}"));

        // Made by the runtime process: uploaded with its run token and announced in the run's event log.
        var events = await Api.GetJsonAsync(http, $"v1/runs/{taskId}/events?limit=100");
        var created = events.GetProperty("events").EnumerateArray().Where(e => e.GetProperty("type").GetString() == "artifact.created")
            .Select(e => e.GetProperty("data").GetProperty("artifact").GetProperty("artifactId").GetString()).ToList();
        Assert.Equal([washington.GetProperty("artifact_id").GetString(), notes.GetProperty("artifact_id").GetString()], created);
        var run = await Api.GetJsonAsync(http, $"v1/runs/{taskId}");
        Assert.Single(run.GetProperty("attempts").EnumerateArray());
        var listed = await Api.GetJsonAsync(http, $"ap/v1/agent/tasks/{taskId}/artifacts");
        Assert.Equal(2, listed.GetProperty("pagination").GetProperty("total_items").GetInt32());
        Assert.Empty(host.Errors);
    }

    [Fact]
    public async Task ServiceRestart_RecordsTheProcessesItStopped_SoTheNextStepsRunOnNewOnesAtOnce()
    {
        await using var host = await ServiceHost.StartDefaultAsync();
        var taskIds = new List<string>();
        using (var http = host.CreateClient())
        {
            for (var i = 0; i < 3; i++)
            {
                var taskId = await Api.CreateTaskAsync(http, $"task {i}");
                Assert.Equal("completed", (await Api.PostJsonAsync(http, $"ap/v1/agent/tasks/{taskId}/steps", """{"input":"before"}""")).GetProperty("status").GetString());
                taskIds.Add(taskId);
            }
        }

        // A graceful stop kills the processes it launched and records their end before the store closes. An attempt
        // left active would get a fresh lease at the next start, and the run's next step would wait for it to run out.
        await host.RestartAsync();

        using var after = host.CreateClient();
        foreach (var taskId in taskIds)
        {
            // (A run whose last input was not yet acknowledged when its process was killed has a new attempt already.)
            var stopped = (await Api.GetJsonAsync(after, $"v1/runs/{taskId}")).GetProperty("attempts")[0];
            Assert.Equal("ended", stopped.GetProperty("status").GetString());
            Assert.StartsWith("stopped with the service", stopped.GetProperty("exitReason").GetString(), StringComparison.Ordinal);

            // A new process starts, resumes and replays the run's inputs: seconds under a loaded CI machine, well below
            // the 45 s (lease + grace) an attempt left active would cost.
            using var request = new HttpRequestMessage(HttpMethod.Post, $"ap/v1/agent/tasks/{taskId}/steps") { Content = Api.Json("""{"input":"after"}""") };
            request.Headers.Add("Prefer", "wait=30");
            using var response = await after.SendAsync(request);
            var step = await Api.ReadJsonAsync(response, HttpStatusCode.OK);
            Assert.Equal("completed", step.GetProperty("status").GetString());
            Assert.Equal("after", step.GetProperty("output").GetString());
            Assert.Equal(2, (await Api.GetJsonAsync(after, $"v1/runs/{taskId}")).GetProperty("attempts").GetArrayLength());
        }

        Assert.Empty(host.Errors);
    }

    [Fact]
    public async Task EchoAgentMissing_WarnsAndServesTheBuiltInEcho()
    {
        using var dir = new TempDirectory();
        var missing = dir.File("EchoAgent.dll");
        await using var host = await ServiceHost.StartDefaultAsync(null, $"--AgentService:EchoAgentPath={missing}");
        using var http = host.CreateClient();

        var warning = Assert.Single(host.Warnings, w => w.Contains("[5650]", StringComparison.Ordinal));
        Assert.Contains(missing, warning, StringComparison.Ordinal);
        Assert.Contains("AgentService:DefaultAgent=builtin", warning, StringComparison.Ordinal);
        var taskId = await Api.CreateTaskAsync(http, Washington);
        var step = await Api.PostJsonAsync(http, $"ap/v1/agent/tasks/{taskId}/steps", "{}");
        Assert.Equal(Washington, step.GetProperty("output").GetString());
        var artifact = Assert.Single(step.GetProperty("artifacts").EnumerateArray());
        Assert.Equal("Washington", await http.GetStringAsync($"ap/v1/agent/tasks/{taskId}/artifacts/{artifact.GetProperty("artifact_id").GetString()}"));
        // In-process: no run, no runtime attempt.
        await Api.GetJsonAsync(http, $"v1/runs/{taskId}", HttpStatusCode.NotFound);
        Assert.Empty(host.Errors);
    }

    [Fact]
    public async Task BuiltinSwitch_RunsTheEchoInProcess()
    {
        await using var host = await ServiceHost.StartDefaultAsync(null, "--AgentService:DefaultAgent=builtin");
        using var http = host.CreateClient();
        var taskId = await Api.CreateTaskAsync(http, "hi");

        var step = await Api.PostJsonAsync(http, $"ap/v1/agent/tasks/{taskId}/steps", """{"input":"in process"}""");

        Assert.Equal("in process", step.GetProperty("output").GetString());
        await Api.GetJsonAsync(http, $"v1/runs/{taskId}", HttpStatusCode.NotFound);
        Assert.DoesNotContain(host.Warnings, w => w.Contains("[5650]", StringComparison.Ordinal));
        Assert.Empty(host.Errors);
    }

    [Theory]
    [InlineData("elsewhere")]
    [InlineData("7")]
    public async Task UnknownDefaultAgent_StopsTheStartNamingTheSetting(string value)
    {
        using var dir = new TempDirectory();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => Task.Run(() =>
            AgentServiceApp.Create(["--urls", "http://127.0.0.1:0", "--data-dir", dir.File("data"), $"--AgentService:DefaultAgent={value}"])));

        Assert.Contains("AgentService:DefaultAgent", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EchoAgentBuild_IsBesideTheServer()
    {
        // The server's build copies the EchoAgent's whole output (its own dependencies included) to agents/echo/, and
        // the projects referencing the server get it too.
        var echo = Path.Combine(AppContext.BaseDirectory, "agents", "echo");
        foreach (var file in (string[])["EchoAgent.dll", "EchoAgent.runtimeconfig.json", "EchoAgent.deps.json", "Microsoft.Extensions.Logging.Abstractions.dll"])
        {
            Assert.True(File.Exists(Path.Combine(echo, file)), $"{file} is missing from {echo}");
        }

        using var deps = JsonDocument.Parse(File.ReadAllText(Path.Combine(echo, "EchoAgent.deps.json")));
        Assert.True(deps.RootElement.GetProperty("libraries").TryGetProperty("EchoAgent/1.0.0", out _));
    }
}
