using System.Net;
using AgentService.Protocol.AgentProtocol;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.AgentProtocol;

public sealed class PersistenceTests
{
    [Fact]
    public async Task Restart_KeepsTasksStepsArtifactsAndTheirBytes()
    {
        await using var host = await ServiceHost.StartAsync();
        string taskId, stepId, uploadedId, agentFileId;
        using (var http = host.CreateClient())
        {
            taskId = await Api.CreateTaskAsync(http, "Write 'persisted' to the file 'keep.md'");
            var step = await Api.PostJsonAsync(http, $"ap/v1/agent/tasks/{taskId}/steps", "{}");
            stepId = step.GetProperty("step_id").GetString()!;
            agentFileId = step.GetProperty("artifacts")[0].GetProperty("artifact_id").GetString()!;
            using var upload = await Api.UploadAsync(http, taskId, "uploaded bytes"u8.ToArray(), "u.txt", "in/here");
            uploadedId = (await Api.ReadJsonAsync(upload, HttpStatusCode.OK)).GetProperty("artifact_id").GetString()!;
        }

        await host.RestartAsync();

        using var after = host.CreateClient();
        var task = await Api.GetJsonAsync(after, $"ap/v1/agent/tasks/{taskId}");
        Assert.Equal("Write 'persisted' to the file 'keep.md'", task.GetProperty("input").GetString());
        Assert.Equal([agentFileId, uploadedId], task.GetProperty("artifacts").EnumerateArray().Select(a => a.GetProperty("artifact_id").GetString()));
        var step2 = await Api.GetJsonAsync(after, $"ap/v1/agent/tasks/{taskId}/steps/{stepId}");
        Assert.Equal("completed", step2.GetProperty("status").GetString());
        Assert.Equal("keep.md", step2.GetProperty("artifacts")[0].GetProperty("file_name").GetString());
        Assert.Equal("persisted", await after.GetStringAsync($"ap/v1/agent/tasks/{taskId}/artifacts/{agentFileId}"));
        Assert.Equal("uploaded bytes", await after.GetStringAsync($"ap/v1/agent/tasks/{taskId}/artifacts/{uploadedId}"));
        var list = await Api.GetJsonAsync(after, "ap/v1/agent/tasks");
        Assert.Equal(1, list.GetProperty("pagination").GetProperty("total_items").GetInt32());

        // New items continue the sequences after the restart.
        await Api.CreateTaskAsync(after, "second");
        var list2 = await Api.GetJsonAsync(after, "ap/v1/agent/tasks?page_size=1&current_page=2");
        Assert.Equal("second", list2.GetProperty("tasks")[0].GetProperty("input").GetString());
        Assert.Empty(host.Errors);
    }

    [Fact]
    public async Task Start_WithStepsLeftUnfinished_CompletesThem()
    {
        await using var host = await ServiceHost.StartAsync();
        string taskId;
        using (var http = host.CreateClient())
        {
            taskId = await Api.CreateTaskAsync(http, "resume me");
        }

        await host.StopAsync();

        // A crash after a step was stored but before it ran leaves it 'created' (or 'running') in the store.
        var stepIds = new[] { "stp_01jq3v8d6ef5tr9w2k7m4n8p0x", "stp_01jq3v8d6ef5tr9w2k7m4n8p0y" };
        for (var i = 0; i < stepIds.Length; i++)
        {
            var parameters = new Dictionary<string, object?>
            {
                ["task"] = taskId,
                ["id"] = stepIds[i],
                ["seq"] = (long)(i + 1),
                ["input"] = $"pending {i}",
                ["status"] = i == 0 ? StepStatus.Created : StepStatus.Running,
            };
            await host.ExecuteSqlAsync("UPDATE tasks SET step_count = step_count + 1 WHERE task_id = @task", parameters);
            await host.ExecuteSqlAsync("""
                INSERT INTO steps (step_id, task_id, seq, input, status, created_at, updated_at)
                VALUES (@id, @task, @seq, @input, @status, 0, 0)
                """, parameters);
        }

        await host.RestartAsync();

        using var after = host.CreateClient();
        for (var i = 0; i < stepIds.Length; i++)
        {
            var step = await Wait.UntilAsync(
                () => Api.GetJsonAsync(after, $"ap/v1/agent/tasks/{taskId}/steps/{stepIds[i]}"),
                s => s.GetProperty("status").GetString() == "completed",
                what: "the pending step to be resumed");
            Assert.Equal($"pending {i}", step.GetProperty("output").GetString());
        }

        Assert.Empty(host.Errors);
    }
}
