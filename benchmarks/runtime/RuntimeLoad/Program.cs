// Load driver for the runtime connection gateway, measured against a running service whose agent AGENT is served by
// workers ("runtime": {"mode": "worker"}):
//   ingest: R runtimes each publish B batches of S log events (each batch stored durably before it is accepted);
//           prints events/s and, given the service's pid, the service's CPU time per event (user + system).
//   idle:   N runtimes attach and stay attached (heartbeats on the service's schedule) for a while; prints the
//           service's resident memory before and after, per connection.
// Usage: RuntimeLoad ingest URL AGENT RUNTIMES BATCHES BATCH_SIZE [SERVER_PID]
//        RuntimeLoad idle URL AGENT RUNTIMES SERVER_PID HOLD_SECONDS
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using AgentService.Runtime;
using AgentService.Runtime.Events;
using AgentService.Protocol.Runtime;
using AgentService.Runtime.Worker;

if (args.Length < 6)
{
    Console.Error.WriteLine("usage: RuntimeLoad ingest URL AGENT RUNTIMES BATCHES BATCH_SIZE | idle URL AGENT RUNTIMES SERVER_PID HOLD_SECONDS");
    return 2;
}

var mode = args[0];
var url = new Uri(args[1].TrimEnd('/') + "/");
var agent = args[2];
var runtimes = int.Parse(args[3], CultureInfo.InvariantCulture);
using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromMinutes(2) };
// Long claim leases: creating and claiming thousands of runs takes minutes before the attaches start.
var worker = new WorkerClient(http, new WorkerClientOptions { ServiceUrl = url, WaitSeconds = 0, WorkerId = "load-driver", LeaseSeconds = 3600 });

// One run with pending work per runtime, then one claim each.
Console.WriteLine($"creating {runtimes} runs ...");
var claims = new List<RunClaim>(runtimes);
var creation = Stopwatch.StartNew();
await Parallel.ForEachAsync(Enumerable.Range(0, runtimes), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (_, ct) =>
{
    using var task = await http.PostAsJsonAsync($"agents/{agent}/ap/v1/agent/tasks", new { input = "load" }, ct);
    var taskId = (await task.Content.ReadFromJsonAsync<Dictionary<string, object>>(ct))!["task_id"].ToString();
    using var request = new HttpRequestMessage(HttpMethod.Post, $"agents/{agent}/ap/v1/agent/tasks/{taskId}/steps") { Content = JsonContent.Create(new { input = "x" }) };
    request.Headers.Add("Prefer", "wait=0");
    using var step = await http.SendAsync(request, ct);
    step.EnsureSuccessStatusCode();
});
for (var i = 0; i < runtimes; i++)
{
    claims.Add(await worker.ClaimAsync(agent) ?? throw new InvalidOperationException("no run to claim"));
}

Console.WriteLine($"  {runtimes} runs created and claimed in {creation.Elapsed.TotalSeconds:F1} s");

if (mode == "ingest")
{
    var batches = int.Parse(args[4], CultureInfo.InvariantCulture);
    var size = int.Parse(args[5], CultureInfo.InvariantCulture);
    var connections = await Task.WhenAll(claims.Select(c => RuntimeConnection.ConnectAsync(worker.ConnectionOptionsFor(c))));
    using var server = args.Length > 6 ? Process.GetProcessById(int.Parse(args[6], CultureInfo.InvariantCulture)) : null;
    var serverCpuBefore = server?.TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(connections.Select(async connection =>
    {
        for (var b = 0; b < batches; b++)
        {
            var events = new OutputEventDraft[size];
            for (var e = 0; e < size; e++)
            {
                events[e] = OutputEvents.Log("info", $"event {b}.{e}");
            }

            await connection.PublishAsync(events);
        }
    }));
    clock.Stop();
    var total = (long)runtimes * batches * size;
    server?.Refresh();
    var serverCpu = server?.TotalProcessorTime - serverCpuBefore;
    Console.WriteLine($"ingest: {total} events in {batches * runtimes} batches of {size} from {runtimes} runtime(s): {total / clock.Elapsed.TotalSeconds:F0} events/s ({clock.Elapsed.TotalSeconds:F2} s)"
        + (serverCpu is { } cpu
            ? $"; service CPU {cpu.TotalSeconds:F2} s = {cpu.TotalMicroseconds / total:F1} us per event ({cpu.TotalSeconds / clock.Elapsed.TotalSeconds:F2} cores busy; {total / cpu.TotalSeconds:F0} events per service CPU-second)"
            : string.Empty));
    foreach (var connection in connections)
    {
        await connection.DisposeAsync();
    }

    return 0;
}

var serverPid = int.Parse(args[4], CultureInfo.InvariantCulture);
var hold = TimeSpan.FromSeconds(int.Parse(args[5], CultureInfo.InvariantCulture));
var before = Rss(serverPid);
var attachClock = Stopwatch.StartNew();
var attached = new List<RuntimeConnection>(runtimes);
foreach (var chunk in claims.Chunk(200))
{
    attached.AddRange(await Task.WhenAll(chunk.Select(c => RuntimeConnection.ConnectAsync(worker.ConnectionOptionsFor(c)))));
}

Console.WriteLine($"  {attached.Count} runtimes attached in {attachClock.Elapsed.TotalSeconds:F1} s; holding {hold.TotalSeconds:F0} s (heartbeats continue)");
await Task.Delay(hold);
GC.KeepAlive(attached);
var after = Rss(serverPid);
var lost = attached.Count(c => c.State != RuntimeConnectionState.Attached);
Console.WriteLine($"idle: {attached.Count} attached runtimes, {lost} not attached at the end; service RSS {before / 1048576.0:F0} MiB -> {after / 1048576.0:F0} MiB, {(after - before) / (double)attached.Count / 1024:F1} KiB per connection");
foreach (var connection in attached)
{
    await connection.DisposeAsync();
}

return lost == 0 ? 0 : 1;

static long Rss(int pid)
{
    var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}
