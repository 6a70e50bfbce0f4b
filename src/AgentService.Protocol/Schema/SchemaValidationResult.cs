using System.Text.Json;

namespace AgentService.Protocol.Schema;

/// <summary>The outcome of validating one instance: valid, or the errors with the most useful one first.</summary>
public sealed class SchemaValidationResult
{
    private readonly int _failureCount;

    private SchemaValidationResult(IReadOnlyList<SchemaValidationError> errors, int failureCount)
    {
        Errors = errors;
        _failureCount = failureCount;
    }

    /// <summary>The result of every valid instance.</summary>
    public static SchemaValidationResult Valid { get; } = new([], 0);

    /// <summary>True when the instance is valid against the schema.</summary>
    public bool IsValid => Errors.Count == 0;

    /// <summary>
    /// The errors: first the best match (the most specific problem: the deepest instance location, looking into the closest anyOf/oneOf branch), then the other
    /// failures found at the top level (each anyOf/oneOf failure carries its branches' errors in
    /// <see cref="SchemaValidationError.Causes"/>). Empty when valid.
    /// </summary>
    public IReadOnlyList<SchemaValidationError> Errors { get; }

    /// <summary>The error to show: <c>Errors[0]</c>, or null when valid.</summary>
    public SchemaValidationError? BestMatch => Errors.Count > 0 ? Errors[0] : null;

    /// <summary>
    /// The best match as a JSON object for the <c>details</c> of a JSON-RPC <c>invalid_params</c> error:
    /// <c>{"pointer": "/params/runId", "keyword": "pattern", "schemaLocation": "...#/$defs/runId/pattern",
    /// "message": "...", "errorCount": 1, "errors": [{"pointer": "/params/runId", "message": "..."}]}</c>, errorCount
    /// being the number of failures found (an anyOf/oneOf counts once) and <c>errors</c> every failure found, the best
    /// match first (the <c>[{pointer, message}]</c> list of wire/frame.json). Throws when the result is valid.
    /// </summary>
    public JsonElement ToErrorDetails()
    {
        var best = BestMatch ?? throw new InvalidOperationException("A valid result has no error details.");
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("pointer", best.InstanceLocation);
            writer.WriteString("keyword", best.Keyword);
            writer.WriteString("schemaLocation", best.AbsoluteKeywordLocation);
            writer.WriteString("message", best.Message);
            writer.WriteNumber("errorCount", _failureCount);
            writer.WriteStartArray("errors");
            foreach (var error in Errors)
            {
                writer.WriteStartObject();
                writer.WriteString("pointer", error.InstanceLocation);
                writer.WriteString("message", error.Message);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }

    /// <inheritdoc />
    public override string ToString() => IsValid ? "valid" : string.Join(Environment.NewLine, Errors);

    internal static SchemaValidationResult FromErrors(List<SchemaValidationError> errors)
    {
        if (errors.Count == 0)
        {
            return Valid;
        }

        var best = ErrorRanking.Find(errors);
        var ordered = new List<SchemaValidationError>(errors.Count + 1) { best };
        ordered.AddRange(errors.Where(e => !ReferenceEquals(e, best)));
        return new SchemaValidationResult(ordered, errors.Count);
    }
}
