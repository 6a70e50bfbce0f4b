using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentService.FunctionalTests.Runtime;
using AgentService.Protocol.Schema;
using Xunit.Abstractions;

namespace AgentService.FunctionalTests.Security;

/// <summary>
/// Sends thousands of malformed requests to every HTTP endpoint and malformed frames to the <c>/runtime</c> WebSocket of
/// a real server, and checks that each one is refused in the API's own error shape (4xx JSON; JSON-RPC error objects
/// or a protocol close code), that nothing is logged as an error, that nothing changed, and that the server still
/// works afterwards. The inputs come from a fixed seed, printed by the test; set <c>AGENTSERVICE_FUZZ_SEED</c> to
/// replay another seed.
/// </summary>
[Trait("Storage", "SqliteOnly")]
public sealed class FuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string SeedVariable = "AGENTSERVICE_FUZZ_SEED";
    private const int DefaultSeed = 20_261_121;
    private const int HttpRequests = 8_000;
    private const int FramesBeforeAttach = 1_200;
    private const int FramesAfterAttach = 1_800;
    private const int ClosingFrames = 60;
    private const string Echo = FuzzHttpTargets.Echo;
    private const string Workers = FuzzHttpTargets.Workers;

    private RuntimeFixture _fixture = null!;

    public async Task InitializeAsync() =>
        _fixture = await RuntimeFixture.StartAsync("", "--AgentService:Runtime:AttachTimeoutSeconds=120");

    public async Task DisposeAsync() => await _fixture.DisposeAsync();

    private int Seed()
    {
        var text = Environment.GetEnvironmentVariable(SeedVariable);
        var seed = int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var given) ? given : DefaultSeed;
        output.WriteLine($"fuzz seed {seed} (replay with {SeedVariable}={seed})");
        return seed;
    }

    [Fact]
    public async Task Http_MalformedRequestsToEveryEndpoint_Are4xxJsonInTheApisShape_AndChangeNothing()
    {
        var http = _fixture.Http;
        var echoTask = await Api.CreateTaskAsync(http, "fuzz target");
        var echoStep = (await Api.PostJsonAsync(http, $"{Echo}/tasks/{echoTask}/steps", """{"input":"hi"}""")).GetProperty("step_id").GetString()!;
        using (var upload = await Api.UploadAsync(http, echoTask, [1, 2, 3], "a.bin"))
        {
            Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        }

        var workerTask = await Api.CreateTaskAsync(http, "worker target", Workers);
        using (var step = new HttpRequestMessage(HttpMethod.Post, $"{Workers}/tasks/{workerTask}/steps") { Content = Api.Json("""{"input":"x"}""") })
        {
            step.Headers.Add("Prefer", "wait=0");
            using var response = await http.SendAsync(step);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var claim = await _fixture.ClaimAsync("fuzz-worker") ?? throw new InvalidOperationException("the worker run was not claimable");
        var before = await CountsAsync(http);

        var inputs = new FuzzInputs(Seed());
        var targets = new FuzzHttpTargets(inputs, echoTask, echoStep, workerTask, claim.RunId, claim.Token);
        var requests = Enumerable.Range(0, HttpRequests).Select(_ => targets.Next()).ToList();

        var failures = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 8, AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = _fixture.Host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var started = DateTime.UtcNow;
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (request, _) =>
        {
            var failure = await SendAsync(client, request, statuses);
            if (failure is not null)
            {
                failures.Enqueue(failure);
            }
        });

        output.WriteLine($"{requests.Count} requests in {(DateTime.UtcNow - started).TotalSeconds:F1} s; statuses {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}");
        foreach (var kind in requests.GroupBy(r => r.Kind).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {kind.Key}: {kind.Count()}");
        }

        var examples = failures.GroupBy(f => f[..f.IndexOf(':', StringComparison.Ordinal)], StringComparer.Ordinal).Select(g => $"({g.Count()}×) {g.First()}");
        Assert.True(failures.IsEmpty, $"{failures.Count} bad answers, e.g.:\n{string.Join("\n", examples.Take(30))}");
        Assert.True(_fixture.Host.Errors.IsEmpty, $"the server logged errors:\n{string.Join("\n", _fixture.Host.Errors.Take(5))}");

        // Nothing changed, and the service still serves: a task, a step, and reading them back.
        Assert.Equal(before, await CountsAsync(http));
        var task = await Api.CreateTaskAsync(http, "after the fuzz");
        var done = await Api.PostJsonAsync(http, $"{Echo}/tasks/{task}/steps", """{"input":"still here"}""");
        Assert.Equal("completed", done.GetProperty("status").GetString());
        var read = await Api.GetJsonAsync(http, $"{Echo}/tasks/{task}/steps/{done.GetProperty("step_id").GetString()}");
        Assert.Equal(done.GetProperty("output").GetString(), read.GetProperty("output").GetString());

        // A valid step with a preference the service cannot honour (RFC 7240: ignored) still runs.
        string[] preferences = ["wait=NaN", "wait=-Infinity", "wait=Infinity", "wait=1e999", "wait=-1", "wait=", "wait", "wait=\"\"", "wait=0x10", "wait=99999999999999999999", "respond-async, wait=NaN", ",,,", "wait=1,5"];
        foreach (var prefer in preferences)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{Echo}/tasks/{task}/steps") { Content = Api.Json("""{"input":"prefer"}""") };
            request.Headers.TryAddWithoutValidation("Prefer", prefer);
            using var response = await http.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"Prefer: {prefer} → {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        Assert.True(_fixture.Host.Errors.IsEmpty, $"the server logged errors:\n{string.Join("\n", _fixture.Host.Errors.Take(5))}");
    }

    [Fact]
    public async Task Runtime_MalformedFramesBeforeAndAfterAttach_AreJsonRpcErrorsOrProtocolCloses_AndARuntimeStillFinishesAStep()
    {
        var (taskId, stepId) = await _fixture.CreateTaskWithStepAsync("fuzzed");
        var launched = await _fixture.WaitForLaunchAsync(taskId);
        var inputs = new FuzzInputs(Seed());
        var frames = new FuzzFrameTargets(inputs, launched.RunId, launched.AttemptId);
        var failures = new List<string>();
        var sent = 0;
        var started = DateTime.UtcNow;

        // Before attach: every frame is refused, the socket stays open.
        using (var socket = await FuzzSocket.ConnectAsync(_fixture.Host.BaseAddress, launched.Token))
        {
            sent += await ExchangeAsync(socket, Enumerable.Range(0, FramesBeforeAttach).Select(_ => frames.BeforeAttach()).ToList(), failures);
            await socket.CloseAsync();
        }

        // After a valid attach: malformed envelopes and wrong params of every command.
        var epoch = 0;
        using (var socket = await FuzzSocket.ConnectAsync(_fixture.Host.BaseAddress, launched.Token))
        {
            var connectionId = await AttachAsync(socket, launched, epoch++);
            sent += await ExchangeAsync(socket, Enumerable.Range(0, FramesAfterAttach).Select(_ => frames.AfterAttach(connectionId)).ToList(), failures);
            await socket.CloseAsync();
        }

        // Frames that cannot be answered close the socket with the protocol's code (before and after attach).
        for (var i = 0; i < ClosingFrames; i++)
        {
            using var socket = await FuzzSocket.ConnectAsync(_fixture.Host.BaseAddress, launched.Token);
            if (i % 4 == 3)
            {
                await AttachAsync(socket, launched, epoch++);
            }

            var (kind, bytes, type, allowed) = frames.Closing();
            while (i % 4 == 3 && kind == "unsupported-version")
            {
                (kind, bytes, type, allowed) = frames.Closing(); // attached: a second attach is refused without a close
            }

            try
            {
                await socket.SendAsync(bytes, type);
            }
            catch (WebSocketException)
            {
                // The service may close while a huge frame is still being sent.
            }

            sent++;
            var (text, close) = await NextAnswerAsync(socket);
            if (text is not null)
            {
                // A refusal may come first; the close must follow.
                if (!IsRefusal(text, out var problem))
                {
                    failures.Add($"{kind}: {problem}");
                }

                (text, close) = await NextAnswerAsync(socket);
            }

            if (text is not null || close is null || !allowed.Contains((int)close))
            {
                failures.Add($"{kind}: expected close {string.Join("/", allowed)}, got {(text ?? close?.ToString() ?? "nothing")} after {Shorten(Encoding.UTF8.GetString(bytes))}");
            }
        }

        output.WriteLine($"{sent} frames in {(DateTime.UtcNow - started).TotalSeconds:F1} s");
        foreach (var error in _fixture.Host.Errors.Take(3))
        {
            output.WriteLine("server error: " + error);
        }

        Assert.True(failures.Count == 0, $"{failures.Count} bad answers, e.g.:\n{string.Join("\n", failures.Take(15))}");
        Assert.True(sent >= FramesBeforeAttach + FramesAfterAttach + ClosingFrames);
        Assert.True(_fixture.Host.Errors.IsEmpty, $"the server logged errors:\n{string.Join("\n", _fixture.Host.Errors.Take(5))}");

        // A runtime still attaches and finishes the step.
        await using var runtime = await RawRuntime.ConnectAsync(launched.ServiceUrl, launched.Token);
        var attach = await runtime.AttachAsync(launched.RunId, launched.AttemptId, instanceId: "rti_fuzz", epoch: epoch, reconnect: true);
        Assert.True(attach.TryGetProperty("result", out var attached), attach.ToString());
        var connection = attached.GetProperty("runtimeConnectionId").GetString()!;
        var recovered = await runtime.RequestAsync("runtime.connection.recover.command", new JsonObject { ["runtimeConnectionId"] = connection, ["mainRunId"] = launched.RunId, ["connectionEpoch"] = epoch });
        Assert.True(recovered.TryGetProperty("result", out _), recovered.ToString());
        var published = await runtime.RequestAsync("runtime.task.output.event", RuntimeFixture.Batch(connection, launched,
            RuntimeFixture.Event("run.started", launched, 1, new JsonObject { ["attemptNumber"] = 1 }),
            RuntimeFixture.Event("step.started", launched, 2, new JsonObject { ["stepId"] = stepId, ["kind"] = "custom", ["index"] = 0 }),
            RuntimeFixture.Event("step.finished", launched, 3, new JsonObject { ["stepId"] = stepId, ["status"] = "completed", ["output"] = "survived", ["isLast"] = true })));
        Assert.True(published.GetProperty("result").GetProperty("accepted").GetBoolean(), published.ToString());
        var step = await Api.GetJsonAsync(_fixture.Http, $"{RuntimeFixture.Prefix}/tasks/{taskId}/steps/{stepId}");
        Assert.Equal("completed", step.GetProperty("status").GetString());
        Assert.Equal("survived", step.GetProperty("output").GetString());
        Assert.Empty(runtime.SchemaErrors);
        Assert.True(_fixture.Host.Errors.IsEmpty, $"the server logged errors:\n{string.Join("\n", _fixture.Host.Errors.Take(5))}");
    }

    private static async Task<string?> SendAsync(HttpClient client, FuzzRequest request, ConcurrentDictionary<int, int> statuses)
    {
        using var message = new HttpRequestMessage(request.Method, request.Path);
        message.Headers.TryAddWithoutValidation("Prefer", "wait=0");
        foreach (var (name, value) in request.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
            if (request.ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
            }

            message.Headers.TransferEncodingChunked = request.Chunked;

            // As a client sending a large body should: a refusal (a bad name, 413) then comes before the body is sent,
            // instead of the server closing the connection under a body it will not read, which resets it (TCP RST)
            // and may lose the answer on its way back.
            message.Headers.ExpectContinue = request.Body.Length > 64 * 1024;
        }

        var what = $"{request.Kind}: {request.Method} /{Shorten(request.Path)} ({request.ContentType ?? "no content type"}, {request.Body?.Length ?? 0} bytes)";
        try
        {
            using var response = await client.SendAsync(message);
            var status = (int)response.StatusCode;
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            var body = await response.Content.ReadAsStringAsync();
            if (status == 400 && body.Length == 0 && request.Path.Contains("%00", StringComparison.Ordinal))
            {
                return null; // Kestrel refuses a NUL in the path before any application code runs: a bare 400.
            }

            if (status is < 400 or >= 500)
            {
                return $"{what} → {status} {Shorten(body)}";
            }

            if (response.Content.Headers.ContentType?.MediaType != "application/json")
            {
                return $"{what} → {status} with content type {response.Content.Headers.ContentType} {Shorten(body)}";
            }

            var member = request.Path.StartsWith("gateway", StringComparison.Ordinal) ? "detail" : "message";
            try
            {
                using var document = JsonDocument.Parse(body);
                if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty(member, out var text)
                    || text.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(text.GetString()))
                {
                    return $"{what} → {status} without \"{member}\": {Shorten(body)}";
                }
            }
            catch (JsonException)
            {
                return $"{what} → {status} not JSON: {Shorten(body)}";
            }

            if (body.Contains("Exception", StringComparison.Ordinal) || body.Contains(" at ", StringComparison.Ordinal) && body.Contains(".cs:", StringComparison.Ordinal))
            {
                return $"{what} → {status} leaks internals: {Shorten(body)}";
            }

            return null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return $"{what} → {ex.GetType().Name}: {ex.Message}";
        }
    }

    /// <summary>Sends frames in pipelined batches and reads one refusal per frame that gets an answer.</summary>
    private static async Task<int> ExchangeAsync(FuzzSocket socket, List<FuzzFrame> frames, List<string> failures)
    {
        foreach (var batch in frames.Chunk(25))
        {
            foreach (var frame in batch)
            {
                await socket.SendAsync(frame.Bytes);
            }

            foreach (var frame in batch.Where(f => f.Answered))
            {
                var (text, close) = await NextAnswerAsync(socket);
                if (text is null)
                {
                    failures.Add($"{frame.Kind}: the socket closed ({close?.ToString() ?? "no answer in 15 s"}) instead of answering {Shorten(Encoding.UTF8.GetString(frame.Bytes))}");
                    return frames.Count;
                }

                if (!IsRefusal(text, out var problem))
                {
                    failures.Add($"{frame.Kind}: {problem} for {Shorten(Encoding.UTF8.GetString(frame.Bytes))}");
                }
            }
        }

        return frames.Count;
    }

    /// <summary>The next frame that is not one of the service's own requests (input deliveries), or the close.</summary>
    private static async Task<(string? Text, WebSocketCloseStatus? Close)> NextAnswerAsync(FuzzSocket socket)
    {
        while (true)
        {
            var (text, close) = await socket.ReceiveAsync(TimeSpan.FromSeconds(15));
            if (text is null)
            {
                return (null, close);
            }

            using var document = JsonDocument.Parse(text);
            if (!document.RootElement.TryGetProperty("method", out _))
            {
                return (text, null);
            }
        }
    }

    /// <summary>A JSON-RPC error object of the protocol, and never internal_error (client input is not a failure of the service).</summary>
    private static bool IsRefusal(string text, out string problem)
    {
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        var validation = RuntimeProtocolSchemas.Set.Validate(root, RuntimeProtocolSchemas.ErrorResponseFrame);
        if (!validation.IsValid)
        {
            problem = $"not a JSON-RPC error ({validation.BestMatch?.Message}): {Shorten(text)}";
            return false;
        }

        var code = root.GetProperty("error").GetProperty("code").GetInt32();
        problem = code == -32603 ? $"internal_error: {Shorten(text)}" : "";
        return code != -32603;
    }

    private static async Task<string> AttachAsync(FuzzSocket socket, LaunchedRuntime launched, int epoch)
    {
        var attach = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = "attach",
            ["method"] = "runtime.connection.attach.command",
            ["params"] = FuzzSocket.AttachParams(launched.RunId, launched.AttemptId, epoch),
        };
        await socket.SendTextAsync(attach.ToJsonString());
        var (text, close) = await NextAnswerAsync(socket);
        Assert.True(text is not null, $"attach closed with {close}");
        using var reply = JsonDocument.Parse(text);
        Assert.True(reply.RootElement.TryGetProperty("result", out var result), text);
        return result.GetProperty("runtimeConnectionId").GetString()!;
    }

    private static async Task<(long, long, long)> CountsAsync(HttpClient http)
    {
        var echo = await Api.GetJsonAsync(http, $"{Echo}/tasks");
        var workers = await Api.GetJsonAsync(http, $"{Workers}/tasks");
        var agents = await Api.GetJsonAsync(http, "gateway/agents");
        return (echo.GetProperty("pagination").GetProperty("total_items").GetInt64(), workers.GetProperty("pagination").GetProperty("total_items").GetInt64(),
            agents.GetProperty("agents").GetArrayLength());
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + $"...({text.Length} chars)";
}
