namespace AgentService.Protocol.Schema;

/// <summary>
/// One failed keyword, in the terms of the JSON Schema output format: where in the instance, which keyword (by its
/// path through the schemas that were applied, and by its absolute location), and a short message. Messages never
/// quote instance values (they may be secrets); they may name members and quote schema values.
/// </summary>
public sealed class SchemaValidationError
{
    internal SchemaValidationError(
        string instanceLocation,
        int instanceDepth,
        string keywordLocation,
        string absoluteKeywordLocation,
        string keyword,
        string message,
        IReadOnlyList<IReadOnlyList<SchemaValidationError>>? branches)
    {
        InstanceLocation = instanceLocation;
        InstanceDepth = instanceDepth;
        KeywordLocation = keywordLocation;
        AbsoluteKeywordLocation = absoluteKeywordLocation;
        Keyword = keyword;
        Message = message;
        Branches = branches ?? [];
        Causes = branches is null ? [] : [.. branches.SelectMany(b => b)];
    }

    /// <summary>JSON Pointer (RFC 6901) to the failing value: "" for the root, "/params/runId", "/a~1b" for key "a/b".</summary>
    public string InstanceLocation { get; }

    /// <summary>Path of the keyword through the applied schemas, e.g. "/allOf/1/properties/params/$ref/properties/runId/$ref/pattern".</summary>
    public string KeywordLocation { get; }

    /// <summary>The keyword's schema URI and pointer, e.g. "https://agent-service.spec/v1/schemas/common/identity.json#/$defs/runId/pattern".</summary>
    public string AbsoluteKeywordLocation { get; }

    /// <summary>The keyword that failed ("pattern", "required", "oneOf", ...; "false" for a false schema).</summary>
    public string Keyword { get; }

    /// <summary>What is wrong, in a short sentence.</summary>
    public string Message { get; }

    /// <summary>For anyOf / oneOf: the errors of every branch, in branch order; empty otherwise.</summary>
    public IReadOnlyList<SchemaValidationError> Causes { get; }

    /// <summary>Number of segments in <see cref="InstanceLocation"/>.</summary>
    internal int InstanceDepth { get; }

    /// <summary>The errors of each anyOf / oneOf branch.</summary>
    internal IReadOnlyList<IReadOnlyList<SchemaValidationError>> Branches { get; }

    /// <inheritdoc />
    public override string ToString() => $"{(InstanceLocation.Length == 0 ? "(root)" : InstanceLocation)}: {Message} [{KeywordLocation}]";
}
