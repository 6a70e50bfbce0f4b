using System.Text;

namespace AgentService.FunctionalTests.Security;

/// <summary>The HTTP endpoints and, for each, requests that are wrong by construction.</summary>
internal sealed class FuzzHttpTargets(FuzzInputs f, string echoTask, string echoStep, string workerTask, string workerRun, string runToken)
{
    public const string Echo = "ap/v1/agent";
    public const string EchoByName = "agents/echo/ap/v1/agent";
    public const string Workers = "agents/workers/ap/v1/agent";

    private static readonly HttpMethod[] WrongMethods = [HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch, HttpMethod.Options, new("PROPFIND")];

    private readonly List<(string Field, Func<string> Wrong)> _inputFields = [("input", f.WrongForString), ("additional_input", f.WrongForObject)];
    private readonly List<(string Field, Func<string> Wrong)> _cancelFields = [("mode", () => f.Pick(["\"now\"", "\"\"", "1", "null", "[]", "\"GRACEFUL\""])), ("reason", () => f.Pick(["1", "[]", "{}", "true", "\"" + new string('r', 4097) + "\""]))];
    private readonly List<(string Field, Func<string> Wrong)> _claimFields = [("workerId", () => f.Pick(["\"\"", "1", "null", "[]", "{}", "\"" + new string('w', 257) + "\""])), ("leaseSeconds", f.WrongForInteger)];
    private readonly List<(string Field, Func<string> Wrong)> _registerFields = [("agent_id", f.WrongForString), ("agent_name", f.WrongForString), ("agent_type", f.WrongForString), ("capabilities", () => f.Pick(["\"x\"", "1", "{}", "[1]", "[\"\"]"])), ("webhook_url", () => f.Pick(["1", "\"ftp://x\"", "\"not a url\"", "\"http://\"", "[]"])), ("metadata", f.WrongForObject)];
    private readonly List<(string Field, Func<string> Wrong)> _keyFields = [("role", () => f.Pick(["\"root\"", "1", "null", "[]", "\"\"", "\"ADMIN\""])), ("agents", () => f.Pick(["\"echo\"", "[1]", "[\"../x\"]", "{}", "[\"" + new string('a', 65) + "\"]"])), ("expiresAt", () => f.Pick(["\"tomorrow\"", "1", "\"2001-01-01T00:00:00Z\"", "[]"]))];
    private readonly List<(string Field, Func<string> Wrong)> _secretFields = [("value", () => f.Pick(["1", "null", "[]", "{}", "true"]))];
    private readonly List<(string Field, Func<string> Wrong)> _respondFields = [("action", () => f.Pick(["\"maybe\"", "1", "null", "[]", "\"\""])), ("reason", () => f.Pick(["1", "[]", "{}"]))];
    private readonly List<(string Field, Func<string> Wrong)> _agentIdFields = [("agent_id", () => f.Pick(["1", "null", "\"\"", "\"../x\"", "\"" + new string('a', 65) + "\"", "[]", "\"a b\""]))];
    private readonly List<(string Field, Func<string> Wrong)> _sendFields = [("from_agent_id", f.WrongForString), ("to_agent_id", f.WrongForString), ("content", () => f.Pick(["\"hi\"", "[]", "{}", "[1]", "[{\"type\":\"nope\"}]", "[{\"type\":\"text\"}]", "null"])), ("conversation_id", () => f.Pick(["1", "[]", "\"" + new string('c', 129) + "\""])), ("delivery", () => f.Pick(["\"later\"", "1", "[]"]))];

    public FuzzRequest Next()
    {
        var prefix = f.Pick([Echo, EchoByName, Workers]);
        var task = prefix == Workers ? workerTask : echoTask;
        switch (f.Next(34))
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
            case 30:
                return Body("keys-create", HttpMethod.Post, "v1/keys", _keyFields, """{"role":"client","agents":["echo"]}""");
            case 31:
                return f.Next(2) == 0
                    ? Body("secrets-set", HttpMethod.Put, $"v1/agents/{f.Pick(["echo", "workers"])}/secrets/{f.Pick(["TOKEN", "a b", "%00", "..", new string('n', 129)])}", _secretFields, """{"value":"x"}""")
                    : new("admin-bad-query", HttpMethod.Get, f.Pick(["v1/audit?since=" + f.Pick(["yesterday", "2026-13-01T00:00:00Z", "%ff", "1"]), "v1/audit?until=now", $"v1/audit?{BadPaging()}", $"v1/keys?{BadPaging()}", $"v1/agents/{f.BadId()}/secrets", $"v1/agents/{f.BadId()}/config", $"v1/keys/{f.BadId()}"]));
            case 32:
                return Body("interaction-respond", HttpMethod.Post, $"v1/runs/{workerRun}/interactions/{f.Pick([f.BadId(), "ixn_01jbb7x9wq8r00000000000000"])}", _respondFields, """{"action":"approve"}""");
            case 33:
                return new("run-model-bad", HttpMethod.Get, f.Pick([$"v1/runs/{workerRun}/tool-calls?limit={Bad(zeroIsValid: false)}", $"v1/runs/{workerRun}/tool-calls?after={Bad(zeroIsValid: true)}", $"v1/runs/{f.BadId()}/snapshot", $"v1/runs/{f.BadId()}/interactions", $"v1/runs/{workerRun}/children?limit={Bad(zeroIsValid: false)}", $"v1/runs/{f.BadId()}/children", $"v1/agents/workers/runs?limit={Bad(zeroIsValid: false)}", $"v1/agents/workers/runs?status={f.BadId()}", $"v1/agents/workers/runs?after={f.BadId()}", $"v1/agents/{f.BadId()}/runs"]));
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
