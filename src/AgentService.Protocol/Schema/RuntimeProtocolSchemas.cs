using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace AgentService.Protocol.Schema;

/// <summary>
/// The schemas of the runtime connection protocol v1 (embedded from <c>spec/v1/schemas</c>) and the URIs of the
/// schemas a frame is checked against.
/// </summary>
public static class RuntimeProtocolSchemas
{
    /// <summary>Base URI of every schema document.</summary>
    public const string BaseUri = "https://agent-service.spec/v1/schemas/";

    /// <summary>Any frame: a request, a success response or an error response (<c>wire/frame.json</c>).</summary>
    public const string Frame = BaseUri + "wire/frame.json";

    /// <summary>A JSON-RPC error response frame.</summary>
    public const string ErrorResponseFrame = Frame + "#/$defs/ErrorResponseFrame";

    /// <summary>One output event (<c>events/output-event.json</c>).</summary>
    public const string OutputEvent = BaseUri + "events/output-event.json";

    /// <summary>One input delivery (<c>events/input-event.json</c>).</summary>
    public const string InputEvent = BaseUri + "events/input-event.json";

    private static readonly Lazy<JsonSchemaSet> Shared = new(JsonSchemaSet.LoadEmbedded, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// The channels that have a frame schema (<c>wire/frame.json#/$defs/&lt;channel&gt;</c>): the 17 AsyncAPI channels
    /// and the added <c>service.task.input.reply</c>.
    /// </summary>
    public static IReadOnlyList<string> Channels { get; } =
    [
        "runtime.connection.attach.command", "runtime.connection.attach.reply",
        "runtime.connection.heartbeat.command", "runtime.connection.heartbeat.reply",
        "runtime.connection.recover.command", "runtime.connection.recover.reply",
        "runtime.connection.secrets.get.command", "runtime.connection.secrets.get.reply",
        "runtime.connection.config.get.command", "runtime.connection.config.get.reply",
        "runtime.connection.kv.get.command", "runtime.connection.kv.get.reply",
        "runtime.connection.kv.set.command", "runtime.connection.kv.set.reply",
        "runtime.task.output.event", "runtime.task.output.reply",
        "service.task.input.event", "service.task.input.reply",
    ];

    private static readonly FrozenDictionary<string, string> ChannelUris =
        Channels.ToFrozenDictionary(c => c, c => Frame + "#/$defs/" + c, StringComparer.Ordinal);

    /// <summary>The embedded schema set, loaded on first use and shared (compiled schemas are cached in it).</summary>
    public static JsonSchemaSet Set => Shared.Value;

    /// <summary>
    /// URI of the frame schema of a channel, e.g. <c>...wire/frame.json#/$defs/runtime.connection.attach.command</c>.
    /// Only names in <see cref="Channels"/> are accepted, so a method name read from a frame cannot point elsewhere.
    /// </summary>
    public static string ForChannel(string channel) =>
        TryGetChannelUri(channel, out var uri) ? uri : throw new ArgumentException($"'{channel}' is not a channel of the runtime connection protocol.", nameof(channel));

    /// <summary>The frame schema URI of <paramref name="channel"/>; false when it is not a known channel.</summary>
    public static bool TryGetChannelUri(string? channel, [NotNullWhen(true)] out string? uri)
    {
        uri = null;
        return channel is not null && ChannelUris.TryGetValue(channel, out uri);
    }

    /// <summary>
    /// Validates a frame of <paramref name="channel"/> with the shared set, e.g. a request once its method is known
    /// to be a channel (else the answer is method_not_found), or a frame a test saw the server send.
    /// </summary>
    public static SchemaValidationResult ValidateFrame(JsonElement frame, string channel) => Set.Validate(frame, ForChannel(channel));
}
