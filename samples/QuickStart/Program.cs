// QuickStart: drives a running AgentService through the typed client.
//   dotnet run --project src/AgentService.Server            (in one terminal)
//   dotnet run --project samples/QuickStart [URL]            (in another)
using AgentService.Client;

var url = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("AGENTSERVICE_URL") ?? "http://127.0.0.1:8000";
using var http = new HttpClient { BaseAddress = new Uri(url.TrimEnd('/') + "/") };
var client = new AgentProtocolClient(http);

var task = await client.CreateTaskAsync("Write the word 'Washington' to a .txt file");
Console.WriteLine($"task {task.TaskId}");

var step = await client.ExecuteStepAsync(task.TaskId, input: null);
Console.WriteLine($"step {step.StepId}: {step.Status}, output '{step.Output}', last: {step.IsLast}");

foreach (var artifact in step.Artifacts)
{
    using var content = new MemoryStream();
    await client.DownloadArtifactAsync(task.TaskId, artifact.ArtifactId, content);
    Console.WriteLine($"artifact {artifact.FileName}: {System.Text.Encoding.UTF8.GetString(content.ToArray())}");
}
