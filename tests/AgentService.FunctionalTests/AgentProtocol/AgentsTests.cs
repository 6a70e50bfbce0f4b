using System.Net;
using AgentService.Server.Hosting;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.AgentProtocol;

public sealed class AgentsTests
{
    private const string TwoAgents = """
        {
          "agents": [
            { "id": "writer", "name": "Writer", "type": "writer", "description": "writes", "capabilities": ["write"] },
            { "id": "helper.v2", "name": "Helper", "default": true, "config": {"model": "x"}, "metadata": {"team": "a"} }
          ]
        }
        """;

    [Fact]
    public async Task AgentsFile_EachAgentHasItsOwnTasksUnderItsRoute()
    {
        using var dir = new TempDirectory();
        await File.WriteAllTextAsync(dir.File("agents.json"), TwoAgents);
        await using var host = await ServiceHost.StartAsync(null, "--agents", dir.File("agents.json"));
        using var http = host.CreateClient();

        var writerTask = await Api.CreateTaskAsync(http, "for the writer", "agents/writer/ap/v1/agent");
        var defaultTask = await Api.CreateTaskAsync(http, "for the default");

        var writerList = await Api.GetJsonAsync(http, "agents/writer/ap/v1/agent/tasks");
        Assert.Equal(writerTask, Assert.Single(writerList.GetProperty("tasks").EnumerateArray()).GetProperty("task_id").GetString());
        var helperList = await Api.GetJsonAsync(http, "agents/helper.v2/ap/v1/agent/tasks");
        Assert.Equal(defaultTask, Assert.Single(helperList.GetProperty("tasks").EnumerateArray()).GetProperty("task_id").GetString());

        // A task is found only through its own agent's routes.
        await Api.GetJsonAsync(http, $"ap/v1/agent/tasks/{writerTask}", HttpStatusCode.NotFound);
        await Api.GetJsonAsync(http, $"agents/helper.v2/ap/v1/agent/tasks/{writerTask}/steps", HttpStatusCode.NotFound);

        var step = await Api.PostJsonAsync(http, $"agents/writer/ap/v1/agent/tasks/{writerTask}/steps", """{"input":"go"}""");
        Assert.Equal("go", step.GetProperty("output").GetString());
        using var upload = await Api.UploadAsync(http, writerTask, "x"u8.ToArray(), "x.txt", prefix: "agents/writer/ap/v1/agent");
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.Empty(host.Errors);
    }

    [Fact]
    public async Task UnknownAgent_Is404WithMessage()
    {
        await using var host = await ServiceHost.StartAsync();
        using var http = host.CreateClient();

        var error = await Api.GetJsonAsync(http, "agents/nobody/ap/v1/agent/tasks", HttpStatusCode.NotFound);
        Assert.Contains("nobody", error.GetProperty("message").GetString());
        await Api.PostJsonAsync(http, "agents/nobody/ap/v1/agent/tasks", "{}", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task NoAgentsFile_ServesTheBuiltInEchoAgentAtBothRoutes()
    {
        await using var host = await ServiceHost.StartAsync();
        using var http = host.CreateClient();

        var taskId = await Api.CreateTaskAsync(http, "hi", "agents/echo/ap/v1/agent");

        await Api.GetJsonAsync(http, $"ap/v1/agent/tasks/{taskId}");
    }

    [Theory]
    [InlineData("""{"agents": []}""", "at least one agent")]
    [InlineData("""{"agents": [{"id": "bad id"}]}""", "bad id")]
    [InlineData("""{"agents": [{"id": "a"}, {"id": "a"}]}""", "twice")]
    [InlineData("""{"agents": [{"id": "a", "default": true}, {"id": "b", "default": true}]}""", "more than one")]
    [InlineData("""{"agents": [{"id": "a", "colour": "red"}]}""", "colour")]
    [InlineData("""{"agents": [{"id": "a", "runtime": {"command": ""}}]}""", "without a command")]
    [InlineData("not json", "not valid")]
    public async Task InvalidAgentsFile_StopsTheStartWithAClearMessage(string content, string expected)
    {
        using var dir = new TempDirectory();
        await File.WriteAllTextAsync(dir.File("agents.json"), content);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Task.Run(() => AgentServiceApp.Create(["--urls", "http://127.0.0.1:0", "--data-dir", dir.File("data"), "--agents", dir.File("agents.json")])));

        Assert.Contains(expected, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task MissingAgentsFile_StopsTheStartNamingTheFile()
    {
        using var dir = new TempDirectory();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Task.Run(() => AgentServiceApp.Create(["--urls", "http://127.0.0.1:0", "--data-dir", dir.File("data"), "--agents", dir.File("missing.json")])));

        Assert.Contains("missing.json", error.Message);
    }
}
