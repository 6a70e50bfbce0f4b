using System.Globalization;
using System.Text;
using System.Text.Json;
using AgentService.Protocol.Schema.Text;

namespace AgentService.Protocol.Schema.Keywords;

/// <summary>
/// The mutable state of one validation call: the instance path, the evaluation (keyword) path, whether errors are
/// being collected, and where they go. Never shared between threads. The paths are kept only while collecting (no
/// error of the quiet pass is ever reported); pushes and pops stay balanced because the mode changes only around a
/// whole subschema evaluation (<see cref="IsValid"/>, <see cref="CollectErrors"/>).
/// </summary>
internal sealed class ValidationState
{
    private PathSegment[] _instancePath = new PathSegment[16];
    private int _instanceDepth;
    private string[] _keywordPath = new string[32];
    private int _keywordDepth;
    private List<SchemaValidationError>? _sink;

    /// <summary>True while errors are collected; false in quiet mode, where evaluation stops at the first failure.</summary>
    public bool Collecting => _sink is not null;

    public int InstanceDepth => _instanceDepth;

    public void PushInstance(JsonProperty property)
    {
        if (_sink is null)
        {
            return;
        }

        if (_instanceDepth == _instancePath.Length)
        {
            Array.Resize(ref _instancePath, _instancePath.Length * 2);
        }

        _instancePath[_instanceDepth++] = new PathSegment(property, null, -1);
    }

    /// <summary>Enters the member with this (already known) name.</summary>
    public void PushInstance(string name)
    {
        if (_sink is null)
        {
            return;
        }

        if (_instanceDepth == _instancePath.Length)
        {
            Array.Resize(ref _instancePath, _instancePath.Length * 2);
        }

        _instancePath[_instanceDepth++] = new PathSegment(default, name, -1);
    }

    public void PushInstance(int index)
    {
        if (_sink is null)
        {
            return;
        }

        if (_instanceDepth == _instancePath.Length)
        {
            Array.Resize(ref _instancePath, _instancePath.Length * 2);
        }

        _instancePath[_instanceDepth++] = new PathSegment(default, null, index);
    }

    public void PopInstance()
    {
        if (_sink is not null)
        {
            _instanceDepth--;
        }
    }

    public void PushKeyword(string segment)
    {
        if (_sink is null)
        {
            return;
        }

        if (_keywordDepth == _keywordPath.Length)
        {
            Array.Resize(ref _keywordPath, _keywordPath.Length * 2);
        }

        _keywordPath[_keywordDepth++] = segment;
    }

    public void PopKeyword()
    {
        if (_sink is not null)
        {
            _keywordDepth--;
        }
    }

    /// <summary>Evaluates a subschema in quiet mode (no errors, first failure wins), whatever the current mode.</summary>
    public bool IsValid(SchemaNode node, in JsonInstance instance)
    {
        var sink = _sink;
        _sink = null;
        try
        {
            return node.Evaluate(instance, this);
        }
        finally
        {
            _sink = sink;
        }
    }

    /// <summary>Evaluates a subschema collecting its errors into a list of their own.</summary>
    public List<SchemaValidationError> CollectErrors(SchemaNode node, in JsonInstance instance)
    {
        var sink = _sink;
        var errors = new List<SchemaValidationError>();
        _sink = errors;
        try
        {
            node.Evaluate(instance, this);
            return Distinct(errors);
        }
        finally
        {
            _sink = sink;
        }
    }

    /// <summary>Evaluates the root schema collecting all errors.</summary>
    public List<SchemaValidationError> CollectAll(SchemaNode root, in JsonInstance instance)
    {
        _instanceDepth = 0;
        _keywordDepth = 0;
        return CollectErrors(root, instance);
    }

    /// <summary>
    /// Records a failure of <paramref name="keyword"/> at the current instance location (when collecting). Callers
    /// build messages that cost an allocation only when <see cref="Collecting"/> is true: the quiet pass is the hot path.
    /// </summary>
    public void Report(KeywordInfo keyword, string message, IReadOnlyList<IReadOnlyList<SchemaValidationError>>? branches = null)
    {
        if (_sink is null)
        {
            return;
        }

        _sink.Add(new SchemaValidationError(InstanceLocation(), _instanceDepth, KeywordLocation(keyword.Segment), keyword.AbsoluteLocation, keyword.Name, message, branches));
    }

    public void Reset()
    {
        _instanceDepth = 0;
        _keywordDepth = 0;
        _sink = null;
    }

    private string InstanceLocation()
    {
        if (_instanceDepth == 0)
        {
            return string.Empty;
        }

        var builder = new StringBuilder();
        for (var i = 0; i < _instanceDepth; i++)
        {
            var segment = _instancePath[i];
            JsonPointer.Append(builder, segment.Index >= 0 ? segment.Index.ToString(CultureInfo.InvariantCulture) : segment.Name ?? JsonStrings.NameOf(segment.Property));
        }

        return builder.ToString();
    }

    /// <summary>
    /// Drops repeats of one failure reached along different paths (a schema applied both through a $ref in allOf
    /// and through if/then): same instance location, same keyword in the same schema, same message.
    /// </summary>
    private static List<SchemaValidationError> Distinct(List<SchemaValidationError> errors)
    {
        if (errors.Count < 2)
        {
            return errors;
        }

        var seen = new HashSet<(string, string, string)>();
        errors.RemoveAll(e => !seen.Add((e.InstanceLocation, e.AbsoluteKeywordLocation, e.Message)));
        return errors;
    }

    private string KeywordLocation(string last)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < _keywordDepth; i++)
        {
            builder.Append(_keywordPath[i]);
        }

        return builder.Append(last).ToString();
    }

    private readonly record struct PathSegment(JsonProperty Property, string? Name, int Index);
}
