using System.Text.Json;

namespace AgentService.Server.Runtime;

/// <summary>Reads command params, failing with <c>invalid_params</c> and the JSON pointer of the problem.</summary>
internal static class Params
{
    public static string RequiredString(JsonElement parameters, string name, string pointer = "/params")
    {
        if (!parameters.TryGetProperty(name, out var value))
        {
            throw RuntimeProtocolException.InvalidParams($"{pointer}/{name}", "is required");
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw RuntimeProtocolException.InvalidParams($"{pointer}/{name}", "must be a string");
    }

    public static string? OptionalString(JsonElement parameters, string name, string pointer = "/params")
    {
        if (!parameters.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw RuntimeProtocolException.InvalidParams($"{pointer}/{name}", "must be a string");
    }

    public static string RequiredId(JsonElement parameters, string name, string prefix, string pointer = "/params")
    {
        var value = RequiredString(parameters, name, pointer);
        return Protocol.Ids.TypeId.IsValid(value, prefix) ? value : throw RuntimeProtocolException.InvalidParams($"{pointer}/{name}", $"must be a '{prefix}_' id");
    }

    public static JsonElement RequiredArray(JsonElement parameters, string name, string pointer = "/params")
    {
        if (!parameters.TryGetProperty(name, out var value))
        {
            throw RuntimeProtocolException.InvalidParams($"{pointer}/{name}", "is required");
        }

        return value.ValueKind == JsonValueKind.Array ? value : throw RuntimeProtocolException.InvalidParams($"{pointer}/{name}", "must be an array");
    }

    public static JsonElement RequiredObject(JsonElement parameters, string name, string pointer = "/params")
    {
        if (!parameters.TryGetProperty(name, out var value))
        {
            throw RuntimeProtocolException.InvalidParams($"{pointer}/{name}", "is required");
        }

        return value.ValueKind == JsonValueKind.Object ? value : throw RuntimeProtocolException.InvalidParams($"{pointer}/{name}", "must be an object");
    }

    /// <summary>Fails on members the schema does not define (params are validated exactly: no extras, no <c>_meta</c>).</summary>
    public static void OnlyKnown(JsonElement parameters, params string[] names) => OnlyKnownAt(parameters, "/params", names);

    public static void OnlyKnownAt(JsonElement element, string pointer, params string[] names)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (Array.IndexOf(names, property.Name) < 0)
            {
                throw RuntimeProtocolException.InvalidParams(pointer + "/" + Escape(property.Name), "is not a member here");
            }
        }
    }

    /// <summary>Escapes a member name for a JSON pointer (RFC 6901).</summary>
    public static string Escape(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
