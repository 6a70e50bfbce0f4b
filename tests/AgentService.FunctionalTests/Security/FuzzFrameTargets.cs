using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentService.Protocol.Ids;

namespace AgentService.FunctionalTests.Security;

/// <summary>Frames of the runtime protocol that are wrong by construction.</summary>
internal sealed class FuzzFrameTargets(FuzzInputs f, string runId, string attemptId)
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
