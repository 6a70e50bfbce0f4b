using System.Text.Json;
using AgentService.Protocol.Gateway;
using AgentService.Protocol.Json;
using AgentService.Server.Agents;
using AgentService.Server.Errors;
using AgentService.Server.Storage;

namespace AgentService.Server.Gateway;

/// <summary>Validation of Gateway request bodies and query parameters. Every failure is a 400 naming the field.</summary>
internal static class GatewayRequestParsing
{
    public const int MaxNameLength = 200;
    public const int MaxTypeLength = 100;
    public const int MaxDescriptionLength = 4000;
    public const int MaxCapabilities = 100;
    public const int MaxConversationIdLength = 128;
    public const int MaxParts = 100;

    /// <summary>Reads an agent card (<c>POST /gateway/register</c>); the webhook URL's form is checked, not its policy.</summary>
    public static (AgentRegistration Card, Uri WebhookUrl) ParseRegistration(JsonDocument? body)
    {
        var root = RequireObject(body);
        var agentId = RequireAgentId(root, "agent_id");
        var name = RequireText(root, "agent_name", MaxNameLength);
        var type = RequireText(root, "agent_type", MaxTypeLength);
        var description = OptionalString(root, "description", MaxDescriptionLength) ?? "";

        List<string> capabilities = [];
        if (root.TryGetProperty("capabilities", out var caps) && caps.ValueKind != JsonValueKind.Null)
        {
            if (caps.ValueKind != JsonValueKind.Array)
            {
                throw ServiceException.Invalid("capabilities", $"must be an array of strings, not {Describe(caps.ValueKind)}");
            }

            if (caps.GetArrayLength() > MaxCapabilities)
            {
                throw ServiceException.Invalid("capabilities", $"must have at most {MaxCapabilities} entries");
            }

            var index = 0;
            foreach (var cap in caps.EnumerateArray())
            {
                if (cap.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(cap.GetString()) || cap.GetString()!.Length > MaxTypeLength)
                {
                    throw ServiceException.Invalid($"capabilities[{index}]", $"must be a non-empty string of at most {MaxTypeLength} characters");
                }

                capabilities.Add(cap.GetString()!);
                index++;
            }
        }

        if (!root.TryGetProperty("webhook_url", out var urlElement) || urlElement.ValueKind != JsonValueKind.String)
        {
            throw ServiceException.Invalid("webhook_url", "is required: the http(s) URL messages to the agent are POSTed to");
        }

        if (!WebhookUrlPolicy.TryParse(urlElement.GetString(), out var url, out var urlError))
        {
            throw ServiceException.Invalid("webhook_url", urlError);
        }

        var metadata = OptionalObject(root, "metadata");
        return (new AgentRegistration(agentId, name, type, capabilities, description, url.OriginalString, metadata), url);
    }

    /// <summary>Reads <c>{"agent_id": ...}</c> (heartbeat, unregister).</summary>
    public static string ParseAgentId(JsonDocument? body) => RequireAgentId(RequireObject(body), "agent_id");

    /// <summary>Reads a <c>POST /gateway/send</c> body.</summary>
    public static SendCommand ParseSend(JsonDocument? body)
    {
        var root = RequireObject(body);
        var from = RequireAgentId(root, "from_agent_id");
        var to = RequireAgentId(root, "to_agent_id");

        string? conversationId = null;
        if (root.TryGetProperty("conversation_id", out var conversation) && conversation.ValueKind != JsonValueKind.Null)
        {
            if (conversation.ValueKind != JsonValueKind.String)
            {
                throw ServiceException.Invalid("conversation_id", $"must be a string or null, not {Describe(conversation.ValueKind)}");
            }

            var text = conversation.GetString()!;
            if (text.Length > MaxConversationIdLength || text.Any(char.IsControl))
            {
                throw ServiceException.Invalid("conversation_id", $"must be at most {MaxConversationIdLength} characters without control characters");
            }

            // It is a path segment of GET /gateway/conversations/{conversation_id}/messages: an id that cannot be one
            // (a '/', or '.' and '..', which URL normalization removes) would make a conversation nobody can read.
            if (text.Contains('/', StringComparison.Ordinal) || text.Contains('\\', StringComparison.Ordinal) || text is "." or "..")
            {
                throw ServiceException.Invalid("conversation_id", "must not contain '/' or '\\' nor be '.' or '..': it is a URL path segment");
            }

            conversationId = text.Length == 0 ? null : text;
        }

        if (!root.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array)
        {
            throw ServiceException.Invalid("content", "is required: an array of parts such as {\"type\":\"text\",\"text\":\"Hello\"}");
        }

        var length = content.GetArrayLength();
        if (length == 0)
        {
            throw ServiceException.Invalid("content", "must not be empty");
        }

        if (length > MaxParts)
        {
            throw ServiceException.Invalid("content", $"must have at most {MaxParts} parts");
        }

        var parts = new List<ContentPart>(length);
        var i = 0;
        foreach (var part in content.EnumerateArray())
        {
            parts.Add(ParsePart(part, $"content[{i}]"));
            i++;
        }

        var metadata = OptionalObject(root, "metadata");
        var delivery = DeliveryModes.Direct;
        if (root.TryGetProperty("delivery", out var deliveryElement) && deliveryElement.ValueKind != JsonValueKind.Null)
        {
            delivery = deliveryElement.ValueKind == JsonValueKind.String ? deliveryElement.GetString()! : "";
            if (delivery is not (DeliveryModes.Direct or DeliveryModes.Queued))
            {
                throw ServiceException.Invalid("delivery", $"must be \"{DeliveryModes.Direct}\" or \"{DeliveryModes.Queued}\"");
            }
        }

        return new SendCommand(from, to, conversationId, parts, metadata, delivery);
    }

    /// <summary>Reads <c>agent_type</c> (empty = any) and <c>online_only</c> (default true) of <c>GET /gateway/agents</c>.</summary>
    public static (string? AgentType, bool OnlineOnly) ParseAgentQuery(IQueryCollection query)
    {
        string? agentType = null;
        if (query.TryGetValue("agent_type", out var types))
        {
            if (types.Count > 1)
            {
                throw ServiceException.Invalid("agent_type", "must be given once");
            }

            agentType = string.IsNullOrEmpty(types[0]) ? null : types[0];
        }

        var onlineOnly = true;
        if (query.TryGetValue("online_only", out var values))
        {
            if (values.Count > 1)
            {
                throw ServiceException.Invalid("online_only", "must be given once");
            }

            onlineOnly = values[0]?.ToUpperInvariant() switch
            {
                "TRUE" or "1" or "YES" or "ON" => true,
                "FALSE" or "0" or "NO" or "OFF" => false,
                _ => throw ServiceException.Invalid("online_only", $"must be true or false, not '{values[0]}'"),
            };
        }

        return (agentType, onlineOnly);
    }

    private static ContentPart ParsePart(JsonElement part, string field)
    {
        if (part.ValueKind != JsonValueKind.Object)
        {
            throw ServiceException.Invalid(field, $"must be an object, not {Describe(part.ValueKind)}");
        }

        if (!part.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
        {
            throw ServiceException.Invalid($"{field}.type", "is required: \"text\", \"data\" or \"file\"");
        }

        RawJson? metadata = null;
        if (part.TryGetProperty("metadata", out var partMetadata) && partMetadata.ValueKind != JsonValueKind.Null)
        {
            metadata = partMetadata.ValueKind == JsonValueKind.Object
                ? RawJson.From(partMetadata)
                : throw ServiceException.Invalid($"{field}.metadata", $"must be an object or null, not {Describe(partMetadata.ValueKind)}");
        }

        var type = typeElement.GetString();
        switch (type)
        {
            case ContentPartTypes.Text:
                if (!part.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String || text.GetString()!.Length == 0)
                {
                    throw ServiceException.Invalid($"{field}.text", "must be a non-empty string");
                }

                return new ContentPart { Type = ContentPartTypes.Text, Text = text.GetString(), Metadata = metadata };
            case ContentPartTypes.Data:
                if (!part.TryGetProperty("data", out var data) || data.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
                {
                    throw ServiceException.Invalid($"{field}.data", "is required: any JSON value except null");
                }

                return new ContentPart { Type = ContentPartTypes.Data, Data = RawJson.From(data), Metadata = metadata };
            case ContentPartTypes.File:
                if (!part.TryGetProperty("file", out var file) || file.ValueKind != JsonValueKind.Object)
                {
                    throw ServiceException.Invalid($"{field}.file", "is required: {\"task_id\": ..., \"artifact_id\": ...}, a stored artifact");
                }

                var taskId = RequireText(file, "task_id", MaxTypeLength, $"{field}.file.task_id");
                var artifactId = RequireText(file, "artifact_id", MaxTypeLength, $"{field}.file.artifact_id");
                return new ContentPart { Type = ContentPartTypes.File, File = new FileReference { TaskId = taskId, ArtifactId = artifactId }, Metadata = metadata };
            default:
                throw ServiceException.Invalid($"{field}.type", $"unknown part type '{Shorten(type)}'; expected \"text\", \"data\" or \"file\"");
        }
    }

    private static JsonElement RequireObject(JsonDocument? body)
    {
        if (body is null)
        {
            throw ServiceException.Invalid("body", "a JSON object is required");
        }

        return body.RootElement.ValueKind == JsonValueKind.Object
            ? body.RootElement
            : throw ServiceException.Invalid("body", $"must be a JSON object, not {Describe(body.RootElement.ValueKind)}");
    }

    private static string RequireAgentId(JsonElement root, string field)
    {
        if (!root.TryGetProperty(field, out var element) || element.ValueKind != JsonValueKind.String || element.GetString()!.Length == 0)
        {
            throw ServiceException.Invalid(field, "is required: a non-empty string");
        }

        var id = element.GetString()!;
        return AgentCatalog.IsValidId(id)
            ? id
            : throw ServiceException.Invalid(field, $"'{Shorten(id)}' is not an agent id: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }

    private static string RequireText(JsonElement root, string name, int maxLength, string? field = null)
    {
        field ??= name;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(element.GetString()))
        {
            throw ServiceException.Invalid(field, "is required: a non-empty string");
        }

        var text = element.GetString()!;
        return text.Length <= maxLength ? text : throw ServiceException.Invalid(field, $"must be at most {maxLength} characters");
    }

    private static string? OptionalString(JsonElement root, string field, int maxLength)
    {
        if (!root.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            throw ServiceException.Invalid(field, $"must be a string or null, not {Describe(element.ValueKind)}");
        }

        var text = element.GetString()!;
        return text.Length <= maxLength ? text : throw ServiceException.Invalid(field, $"must be at most {maxLength} characters");
    }

    private static string OptionalObject(JsonElement root, string field)
    {
        if (!root.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return "{}";
        }

        return element.ValueKind == JsonValueKind.Object
            ? element.GetRawText()
            : throw ServiceException.Invalid(field, $"must be an object or null, not {Describe(element.ValueKind)}");
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string Shorten(string? text) => text is null ? "" : text.Length <= 40 ? text : text[..40] + "...";
}
