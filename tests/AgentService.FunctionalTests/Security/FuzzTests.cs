using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentService.FunctionalTests.Runtime;
using AgentService.Protocol.Ids;
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
    private const string Echo = "ap/v1/agent";
    private const string EchoByName = "agents/echo/ap/v1/agent";
    private const string Workers = "agents/workers/ap/v1/agent";

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
        var targets = new HttpTargets(inputs, echoTask, echoStep, workerTask, claim.RunId, claim.Token);
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
        Assert.True(_fixture.Host.Errors.IsEmpty);
    }

    [Fact]
    public async Task Runtime_MalformedFramesBeforeAndAfterAttach_AreJsonRpcErrorsOrProtocolCloses_AndARuntimeStillFinishesAStep()
    {
        var (taskId, stepId) = await _fixture.CreateTaskWithStepAsync("fuzzed");
        var launched = await _fixture.WaitForLaunchAsync(taskId);
        var inputs = new FuzzInputs(Seed());
        var frames = new FrameTargets(inputs, launched.RunId, launched.AttemptId);
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

    /// <summary>One malformed HTTP request.</summary>
    private sealed record FuzzRequest(string Kind, HttpMethod Method, string Path, byte[]? Body = null, string? ContentType = null, bool Chunked = false)
    {
        public List<(string Name, string Value)> Headers { get; } = [];
    }

    /// <summary>One malformed frame; <see cref="Answered"/> is false for frames JSON-RPC does not answer (responses).</summary>
    private sealed record FuzzFrame(string Kind, byte[] Bytes, bool Answered = true);

    /// <summary>The HTTP endpoints and, for each, requests that are wrong by construction.</summary>
    private sealed class HttpTargets(FuzzInputs f, string echoTask, string echoStep, string workerTask, string workerRun, string runToken)
    {
        private static readonly HttpMethod[] WrongMethods = [HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch, HttpMethod.Options, new("PROPFIND")];

        private readonly List<(string Field, Func<string> Wrong)> _inputFields = [("input", f.WrongForString), ("additional_input", f.WrongForObject)];
        private readonly List<(string Field, Func<string> Wrong)> _cancelFields = [("mode", () => f.Pick(["\"now\"", "\"\"", "1", "null", "[]", "\"GRACEFUL\""])), ("reason", () => f.Pick(["1", "[]", "{}", "true", "\"" + new string('r', 4097) + "\""]))];
        private readonly List<(string Field, Func<string> Wrong)> _claimFields = [("workerId", () => f.Pick(["\"\"", "1", "null", "[]", "{}", "\"" + new string('w', 257) + "\""])), ("leaseSeconds", f.WrongForInteger)];
        private readonly List<(string Field, Func<string> Wrong)> _registerFields = [("agent_id", f.WrongForString), ("agent_name", f.WrongForString), ("agent_type", f.WrongForString), ("capabilities", () => f.Pick(["\"x\"", "1", "{}", "[1]", "[\"\"]"])), ("webhook_url", () => f.Pick(["1", "\"ftp://x\"", "\"not a url\"", "\"http://\"", "[]"])), ("metadata", f.WrongForObject)];
        private readonly List<(string Field, Func<string> Wrong)> _agentIdFields = [("agent_id", () => f.Pick(["1", "null", "\"\"", "\"../x\"", "\"" + new string('a', 65) + "\"", "[]", "\"a b\""]))];
        private readonly List<(string Field, Func<string> Wrong)> _sendFields = [("from_agent_id", f.WrongForString), ("to_agent_id", f.WrongForString), ("content", () => f.Pick(["\"hi\"", "[]", "{}", "[1]", "[{\"type\":\"nope\"}]", "[{\"type\":\"text\"}]", "null"])), ("conversation_id", () => f.Pick(["1", "[]", "\"" + new string('c', 129) + "\""])), ("delivery", () => f.Pick(["\"later\"", "1", "[]"]))];

        public FuzzRequest Next()
        {
            var prefix = f.Pick([Echo, EchoByName, Workers]);
            var task = prefix == Workers ? workerTask : echoTask;
            switch (f.Next(30))
            {
                case 0 or 1 or 2:
                    return Body("ap-create-task", HttpMethod.Post, $"{prefix}/tasks", _inputFields, """{"input":"hello","additional_input":{"a":[1,2,{"b":null}]}}""");
                case 3 or 4 or 5:
                    return Body("ap-execute-step", HttpMethod.Post, $"{prefix}/tasks/{task}/steps", _inputFields, """{"input":"hello","additional_input":{"x":1}}""");
                case 6:
                    return new("ap-list-paging", HttpMethod.Get, f.Pick([$"{prefix}/tasks", $"{prefix}/tasks/{task}/steps", $"{prefix}/tasks/{task}/artifacts"]) + "?" + BadPaging());
                case 7:
                    return new("ap-bad-task-id", HttpMethod.Get, f.Pick([$"{prefix}/tasks/{f.BadId()}", $"{prefix}/tasks/{f.BadId()}/steps", $"{prefix}/tasks/{f.BadId()}/artifacts", $"{prefix}/tasks/{f.BadId()}/events"]));
                case 8:
                    return new("ap-bad-step-or-artifact-id", HttpMethod.Get, f.Pick([$"{Echo}/tasks/{echoTask}/steps/{f.BadId()}", $"{Echo}/tasks/{echoTask}/artifacts/{f.BadId()}", $"{Echo}/tasks/{f.BadId()}/steps/{echoStep}"]));
                case 9 or 10:
                    return Multipart("ap-upload", $"{prefix}/tasks/{task}/artifacts");
                case 11:
                    return Stream("ap-task-events", $"{prefix}/tasks/{task}/events");
                case 12:
                    var agentPrefix = $"agents/{f.BadId()}/ap/v1/agent";
                    return new("ap-bad-agent", f.Pick([HttpMethod.Get, HttpMethod.Post]), f.Pick([$"{agentPrefix}/tasks", $"{agentPrefix}/tasks/{echoTask}", $"{agentPrefix}/tasks/{echoTask}/steps", $"{agentPrefix}/tasks/{echoTask}/events"]));
                case 13:
                    return new("ap-wrong-method", f.Pick(WrongMethods), f.Pick([$"{prefix}/tasks", $"{prefix}/tasks/{task}", $"{prefix}/tasks/{task}/steps", $"{prefix}/tasks/{task}/artifacts", $"{Echo}/tasks/{echoTask}/steps/{echoStep}"]));
                case 14:
                    return f.Next(2) == 0
                        ? new("runs-bad-id", HttpMethod.Get, f.Pick([$"v1/runs/{f.BadId()}", $"v1/runs/{f.BadId()}/events", $"v1/runs/{f.BadId()}/stream"]))
                        : new("runs-bad-id", HttpMethod.Post, f.Pick([$"v1/runs/{f.BadId()}/cancel", $"v1/runs/{f.BadId()}/artifacts"]));
                case 15:
                    return new("runs-events-paging", HttpMethod.Get, $"v1/runs/{workerRun}/events?" + f.Pick([$"after={Bad(zeroIsValid: true)}", $"limit={Bad(zeroIsValid: false)}", "limit=1001", $"after=1&after={Bad(zeroIsValid: true)}"]));
                case 16:
                    return Body("runs-cancel", HttpMethod.Post, $"v1/runs/{workerRun}/cancel", _cancelFields, """{"mode":"graceful","reason":"because"}""");
                case 17:
                    return RunUpload();
                case 18:
                    return Stream("runs-stream", $"v1/runs/{workerRun}/stream");
                case 19:
                    return f.Next(4) == 0
                        ? new("claims-bad-agent", HttpMethod.Post, $"v1/agents/{f.Pick([f.BadId(), "echo", "no-such-agent"])}/claims?waitSeconds=0")
                        : Body("claims", HttpMethod.Post, $"v1/agents/workers/claims?waitSeconds={f.Pick(["0", Bad(zeroIsValid: true), "121"])}", _claimFields, """{"workerId":"w1","leaseSeconds":60}""");
                case 20 or 21:
                    return Body("gateway-register", HttpMethod.Post, "gateway/register", _registerFields, """{"agent_id":"a1","agent_name":"A","agent_type":"t","webhook_url":"http://127.0.0.1:9/x"}""");
                case 22:
                    return Body("gateway-heartbeat-unregister", HttpMethod.Post, f.Pick(["gateway/heartbeat", "gateway/unregister"]), _agentIdFields, """{"agent_id":"echo"}""");
                case 23 or 24:
                    return Body("gateway-send", HttpMethod.Post, "gateway/send", _sendFields, """{"from_agent_id":"echo","to_agent_id":"workers","content":[{"type":"text","text":"hi"}]}""");
                case 25:
                    return new("gateway-bad-ids-and-queries", HttpMethod.Get, f.Pick([
                        $"gateway/status/{f.BadId()}", $"gateway/messages/{f.BadId()}", $"gateway/conversations/{f.BadId()}/messages?{BadPaging()}",
                        $"gateway/agents?online_only={f.Pick(["maybe", "2", "%ff", "TRUE!", "null", "", "tru"])}", "gateway/agents?agent_type=a&agent_type=b", "gateway/agents?online_only=true&online_only=false",
                    ]));
                case 26:
                    return new("gateway-wrong-method", f.Pick(WrongMethods), f.Pick(["gateway/register", "gateway/send", "gateway/agents", "gateway/health", "gateway/status/echo", "gateway/heartbeat"]));
                case 27:
                    return new("runtime-without-upgrade", f.Pick([HttpMethod.Get, HttpMethod.Post]), "runtime" + f.Pick(["", "?x=1"]));
                case 28:
                    return new("unknown-route", f.Pick([HttpMethod.Get, HttpMethod.Post]), f.Pick(["v1", "v1/runs", "v2/anything", "ap/v1", "agents", "gateway", "gateway/", "ap/v1/agent/tasks/x/y/z", "%ff%fe", "..%2F..%2Fetc%2Fpasswd", new string('p', 3000)]));
                default:
                    var wrongRoute = f.Pick(["v1/runs/" + workerRun, "v1/runs/" + workerRun + "/cancel", "v1/agents/workers/claims", "v1/runs/" + workerRun + "/stream"]);
                    return new("runs-wrong-method", f.Pick(WrongMethods), wrongRoute);
            }
        }

        private string Bad(bool zeroIsValid)
        {
            string value;
            do
            {
                value = f.BadNumber();
            }
            while (value.Length == 0 || zeroIsValid && value == "0");
            return value;
        }

        private string BadPaging() => f.Next(4) switch
        {
            0 => $"current_page={f.BadNumber()}",
            1 => $"page_size={f.Pick(["0", "101", "-5", Bad(zeroIsValid: false)])}",
            2 => "current_page=1&current_page=2",
            _ => $"current_page=1&page_size={Bad(zeroIsValid: false)}",
        };

        private FuzzRequest Body(string kind, HttpMethod method, string path, List<(string Field, Func<string> Wrong)> fields, string validExample)
        {
            var (bodyKind, body, contentType, chunked) = f.BadJsonBody(fields, validExample);
            return new($"{kind}/{bodyKind}", method, path, body, contentType, chunked);
        }

        private FuzzRequest Stream(string kind, string path)
        {
            var request = new FuzzRequest(kind, HttpMethod.Get, f.Next(2) == 0 ? $"{path}?after={Bad(zeroIsValid: true)}" : path);
            if (request.Path == path)
            {
                request.Headers.Add(("Last-Event-ID", f.Pick(["-1", "abc", "18446744073709551616", "1.5", "+3", "0x1", "1e3", "%31"])));
            }

            return request;
        }

        private FuzzRequest RunUpload()
        {
            var request = Multipart("runs-upload", $"v1/runs/{workerRun}/artifacts");
            switch (f.Next(4))
            {
                case 0:
                    break; // no token: 401
                case 1:
                    request.Headers.Add(("Authorization", f.Pick(["Bearer", "Bearer ", "Bearer rt_nope", "Basic abc", "bearer " + runToken + "x", new string('A', 4000)])));
                    break;
                default:
                    request.Headers.Add(("Authorization", "Bearer " + runToken));
                    break;
            }

            return request;
        }

        private FuzzRequest Multipart(string kind, string path)
        {
            const string b = "fuzzboundary";
            var type = $"multipart/form-data; boundary={b}";
            string Part(string disposition, string content) => $"--{b}\r\n{disposition}\r\n\r\n{content}\r\n";
            var file = Part("Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"", "data");
            var (what, body, contentType) = f.Next(12) switch
            {
                0 => ("no-boundary", "--x\r\n\r\n", "multipart/form-data"),
                1 => ("long-boundary", "x", $"multipart/form-data; boundary={new string('b', 300)}"),
                2 => ("random-bytes", Encoding.Latin1.GetString(f.RandomBytes(1 + f.Next(4096))), type),
                3 => ("no-disposition", $"--{b}\r\nContent-Type: text/plain\r\n\r\nx\r\n--{b}--\r\n", type),
                4 => ("no-file-part", Part("Content-Disposition: form-data; name=\"relative_path\"", "a/b") + $"--{b}--\r\n", type),
                5 => ("truncated", $"--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nabc", type),
                6 => ("traversal", file + Part("Content-Disposition: form-data; name=\"relative_path\"", f.Pick(["../../etc", "/abs", "C:/x", "a/../../b", "..\\..\\x", "a\u0001b"])) + $"--{b}--\r\n", type),
                7 => ("long-field", file + Part("Content-Disposition: form-data; name=\"relative_path\"", new string('p', 9000)) + $"--{b}--\r\n", type),
                8 => ("two-files", file + file + $"--{b}--\r\n", type),
                9 => ("many-headers", $"--{b}\r\n" + string.Concat(Enumerable.Range(0, 20).Select(i => $"X-H{i}: v\r\n")) + "Content-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nx\r\n--" + b + "--\r\n", type),
                10 => ("no-file-name", Part("Content-Disposition: form-data; name=\"file\"", "data") + $"--{b}--\r\n", type),
                _ => ("wrong-content-type", file + $"--{b}--\r\n", f.Pick(["application/json", "text/plain", "application/octet-stream", "multipart/mixed; boundary=" + b, "garbage;;"])),
            };
            return new($"{kind}/{what}", HttpMethod.Post, path, Encoding.Latin1.GetBytes(body), contentType, f.Next(4) == 0);
        }
    }

    /// <summary>Frames of the runtime protocol that are wrong by construction.</summary>
    private sealed class FrameTargets(FuzzInputs f, string runId, string attemptId)
    {
        private static readonly string[] Methods =
        [
            "runtime.connection.attach.command", "runtime.connection.heartbeat.command", "runtime.connection.recover.command",
            "runtime.connection.secrets.get.command", "runtime.connection.config.get.command", "runtime.connection.kv.get.command",
            "runtime.connection.kv.set.command", "runtime.task.output.event",
        ];

        private int _ids;

        public FuzzFrame BeforeAttach() => f.Next(12) == 0 ? NotAttached() : Generic(null);

        public FuzzFrame AfterAttach(string connectionId) => f.Next(3) == 0 ? Generic(connectionId) : WrongParams(connectionId);

        /// <summary>A frame the service cannot answer: binary, too big, or not UTF-8 (the WebSocket layer refuses it).</summary>
        public (string Kind, byte[] Bytes, WebSocketMessageType Type, int[] AllowedCloses) Closing() => f.Next(4) switch
        {
            // Refused (1001 unsupported_protocol_version) and then closed with 4000, whatever the version text.
            3 => ("unsupported-version", Encoding.UTF8.GetBytes(Envelope("runtime.connection.attach.command", FuzzSocket.AttachParams(runId, attemptId, 0).ToJsonString()
                .Replace("\"protocolVersion\":\"v1\"", "\"protocolVersion\":" + JsonSerializer.Serialize(f.Pick(["v2", string.Concat(Enumerable.Repeat("😀", 200)), new string('é', 300), "v1\u0000"])), StringComparison.Ordinal))),
                WebSocketMessageType.Text, [4000]),
            0 => ("binary", Encoding.UTF8.GetBytes(Envelope("runtime.connection.heartbeat.command", "{}")), WebSocketMessageType.Binary, [4000]),
            1 => ("oversized", Encoding.UTF8.GetBytes(Envelope("runtime.connection.kv.set.command", $"{{\"kv\":{{\"k\":\"{f.HugeString(beyondLimit: true)}\"}}}}")), WebSocketMessageType.Text, [1009]),
            // The WebSocket layer (ManagedWebSocket) fails such a connection (RFC 6455 §8.1): close 1007 and drop, so the
            // client may see the close or only the dropped connection (Empty).
            _ => ("invalid-utf8", [.. Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\xFF"), 0xFF, 0xFE, .. "\"}"u8], WebSocketMessageType.Text, [1007, (int)WebSocketCloseStatus.Empty]),
        };

        private FuzzFrame NotAttached()
        {
            var parameters = new JsonObject { ["runtimeConnectionId"] = TypeId.New("rtc"), ["runId"] = runId };
            return Frame("not-attached", Envelope("runtime.connection.heartbeat.command", parameters.ToJsonString()));
        }

        private FuzzFrame Generic(string? connectionId)
        {
            var method = f.Pick(Methods);
            var valid = connectionId is null ? Envelope("runtime.connection.attach.command", FuzzSocket.AttachParams(runId, attemptId, 0).ToJsonString()) : Envelope(method, Minimal(method, connectionId).ToJsonString());
            switch (f.Next(15))
            {
                case 13:
                    return Frame("lone-surrogate", f.Pick([
                        Envelope(method, $"{{\"runtimeConnectionId\":\"{connectionId ?? "rtc_x"}\",\"runId\":\"\\ud800\"}}"),
                        Envelope("runtime.connection.kv.set.command", $"{{\"runtimeConnectionId\":\"{connectionId ?? "rtc_x"}\",\"runId\":\"{runId}\",\"kv\":{{\"a\\udc00\":\"v\"}}}}"),
                        Envelope("runtime.connection.attach.command", FuzzSocket.AttachParams(runId, attemptId, 0).ToJsonString().Replace("rti_fuzz", "rti_\\ud83d", StringComparison.Ordinal)),
                        $"{{\"jsonrpc\":\"2.0\",\"id\":\"\\udfff\",\"method\":\"{method}\",\"params\":{{}}}}",
                        $"{{\"jsonrpc\":\"2.0\",\"id\":{NextId()},\"method\":\"\\ud800\",\"params\":{{}}}}",
                    ]));
                case 0:
                    return Frame("random-text", f.RandomText(1 + f.Next(2000)));
                case 1:
                    return Frame("truncated", valid[..(1 + f.Next(valid.Length - 1))]);
                case 2:
                    return Frame("non-object", f.Pick(["[]", "[" + valid + "]", "1", "\"x\"", "null", "true", "1e999999", "[" + valid + "," + valid + "]"]));
                case 3:
                    return Frame("deep-nesting", Envelope(method, FuzzInputs.Nested("kv", f.Next(2) == 0 ? 10_000 : 65 + f.Next(500))));
                case 4:
                    return Frame("bad-jsonrpc", valid.Replace("\"jsonrpc\":\"2.0\"", "\"jsonrpc\":" + f.Pick(["\"1.0\"", "2.0", "null", "\"\"", "[\"2.0\"]", "\"2.0 \""]), StringComparison.Ordinal));
                case 5:
                    return Frame("bad-id", $"{{\"jsonrpc\":\"2.0\",\"id\":{f.Pick(["null", "{}", "[]", "true", "\"\"", "\"" + new string('i', 129) + "\"", "1e999999", "18446744073709551616", "1.5", "-9223372036854775809", new string('9', 5000)])},\"method\":\"{method}\",\"params\":{{}}}}");
                case 6:
                    return Frame("no-id", $"{{\"jsonrpc\":\"2.0\",\"method\":\"{method}\",\"params\":{{}}}}");
                case 7:
                    return Frame("bad-method", Envelope(f.Pick(["", "x", "service.task.input.event", "runtime.connection.attach.reply", "rpc.discover", new string('m', 100_000), "runtime.connection.attach.command\u0000"]), "{}"));
                case 8:
                    return Frame("method-not-string", $"{{\"jsonrpc\":\"2.0\",\"id\":{NextId()},\"method\":{f.Pick(["1", "null", "[]", "{}", "true"])},\"params\":{{}}}}");
                case 9:
                    return Frame("bad-params", $"{{\"jsonrpc\":\"2.0\",\"id\":{NextId()},\"method\":\"{method}\"{f.Pick(["", ",\"params\":[]", ",\"params\":\"x\"", ",\"params\":1", ",\"params\":null", ",\"params\":1e999999"])}}}");
                case 10:
                    return Frame("response-shaped", $"{{\"jsonrpc\":\"2.0\",\"id\":\"fz-{NextId()}\",{f.Pick(["\"result\":{\"accepted\":true}", "\"error\":{\"code\":1,\"message\":\"x\"}", "\"result\":null", "\"result\":1e999999"])}}}", answered: false);
                case 11:
                    return Frame("huge-string", Envelope(method, $"{{\"runId\":\"{f.HugeString(beyondLimit: false)}\"}}"));
                case 12:
                    return Frame("huge-numbers", Envelope("runtime.connection.attach.command", FuzzSocket.AttachParams(runId, attemptId, 0).ToJsonString()
                        .Replace("\"connectionEpoch\":0", "\"connectionEpoch\":" + f.Pick(["1e999999", "18446744073709551616", "-1", "1.5", new string('9', 10_000)]), StringComparison.Ordinal)));
                default:
                    return Frame("bad-syntax", f.Pick(["{\"jsonrpc\":\"2.0\",}", "{'jsonrpc':'2.0'}", "{\"jsonrpc\":\"2.0\" \"id\":1}", "{\"id\":NaN}", "{/*x*/}", "{\"jsonrpc\":\"2.0\"}}", "\uFEFF\uFEFF{}"]));
            }
        }

        private FuzzFrame WrongParams(string connectionId)
        {
            var method = f.Pick(Methods);
            var parameters = Minimal(method, connectionId);
            switch (f.Next(6))
            {
                case 0:
                    parameters[f.Pick(["runtimeConnectionId", "runId"])] = JsonNode.Parse(f.Pick(["1", "null", "[]", "{}", "\"\"", "\"run_!!\"", "1e999999", "\"" + new string('x', 300) + "\""]));
                    break;
                case 1:
                    parameters["unexpected"] = 1;
                    break;
                case 2:
                    parameters.Remove(f.Pick(parameters.Select(p => p.Key).ToArray()));
                    break;
                default:
                    return Frame("wrong-params/" + method, Envelope(method, MethodSpecific(method, connectionId)));
            }

            return Frame("wrong-params/" + method, Envelope(method, parameters.ToJsonString()));
        }

        /// <summary>Params of <paramref name="method"/> with one member of the wrong type or out of range.</summary>
        private string MethodSpecific(string method, string connectionId)
        {
            var head = $"\"runtimeConnectionId\":\"{connectionId}\",\"runId\":\"{runId}\"";
            var evt = $"{{\"specversion\":\"1.0\",\"id\":\"{TypeId.New("evt")}\",\"type\":\"log.emitted\",\"source\":\"/runs/{runId}/attempts/{attemptId}\",\"time\":\"2026-01-01T00:00:00Z\",\"runid\":\"{runId}\",\"attemptid\":\"{attemptId}\",\"traceparent\":\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\",\"seq\":SEQ,\"data\":{{\"level\":\"info\",\"message\":\"x\"}}}}";
            return method switch
            {
                "runtime.connection.attach.command" => FuzzSocket.AttachParams(runId, attemptId, 0).ToJsonString(), // a second attach on the socket
                "runtime.connection.kv.get.command" => $"{{{head},\"keys\":{f.Pick(["\"a\"", "[1]", "[null]", "{}", "[\"" + new string('k', 300) + "\"]", "[" + string.Join(",", Enumerable.Range(0, 101).Select(i => $"\"k{i}\"")) + "]"])}}}",
                "runtime.connection.kv.set.command" => $"{{{head},\"kv\":{f.Pick(["[]", "\"a\"", "{\"a\":1}", "{\"a\":null}", "{\"a\":{}}", "{\"" + new string('k', 300) + "\":\"v\"}", "{\"a\":\"" + new string('v', 70_000) + "\"}"])}}}",
                "runtime.connection.secrets.get.command" => $"{{{head},\"names\":{f.Pick(["\"API_KEY\"", "[1]", "{}", "1e999999"])}}}",
                "runtime.connection.recover.command" => $"{{\"runtimeConnectionId\":\"{connectionId}\",\"mainRunId\":{f.Pick(["1", "\"run_!!\"", "null", "[]"])}}}",
                "runtime.task.output.event" => $"{{{head},\"events\":{f.Pick([
                    "{}", "\"x\"", "[1]", "[{}]", "[null]",
                    "[" + evt.Replace("SEQ", "1e999999", StringComparison.Ordinal) + "]",
                    "[" + evt.Replace("SEQ", "18446744073709551616", StringComparison.Ordinal) + "]",
                    "[" + evt.Replace("SEQ", "-0", StringComparison.Ordinal) + "]",
                    "[" + evt.Replace("SEQ", "1.5", StringComparison.Ordinal) + "]",
                    "[" + evt.Replace("SEQ", "\"1\"", StringComparison.Ordinal) + "]",
                    "[" + evt.Replace("\"1.0\"", "\"2.0\"", StringComparison.Ordinal).Replace("SEQ", "1", StringComparison.Ordinal) + "]",
                    "[" + evt.Replace("2026-01-01T00:00:00Z", "yesterday", StringComparison.Ordinal).Replace("SEQ", "1", StringComparison.Ordinal) + "]",
                    "[" + string.Join(",", Enumerable.Range(0, 501).Select(_ => evt.Replace("SEQ", "1", StringComparison.Ordinal))) + "]",
                ])}}}",
                _ => $"{{{head},\"x\":{f.WrongForString()}}}",
            };
        }

        private JsonObject Minimal(string method, string connectionId) => method switch
        {
            "runtime.connection.attach.command" => FuzzSocket.AttachParams(runId, attemptId, 0),
            "runtime.connection.recover.command" => new JsonObject { ["runtimeConnectionId"] = connectionId, ["mainRunId"] = runId },
            "runtime.connection.kv.get.command" => new JsonObject { ["runtimeConnectionId"] = connectionId, ["runId"] = runId, ["keys"] = new JsonArray("a") },
            "runtime.connection.kv.set.command" => new JsonObject { ["runtimeConnectionId"] = connectionId, ["runId"] = runId, ["kv"] = new JsonObject { ["a"] = "1" } },
            "runtime.task.output.event" => new JsonObject { ["runtimeConnectionId"] = connectionId, ["runId"] = runId, ["events"] = new JsonArray() },
            _ => new JsonObject { ["runtimeConnectionId"] = connectionId, ["runId"] = runId },
        };

        private string Envelope(string method, string parameters) =>
            $"{{\"jsonrpc\":\"2.0\",\"id\":{NextId()},\"method\":{JsonSerializer.Serialize(method)},\"params\":{parameters}}}";

        private int NextId() => ++_ids;

        private static FuzzFrame Frame(string kind, string text, bool answered = true) => new(kind, Encoding.UTF8.GetBytes(text), answered);
    }
}
