using System.Text.Json;
using AgentService.Protocol.Schema.Keywords;

namespace AgentService.Protocol.Schema;

/// <summary>
/// A compiled schema, ready to validate instances. Immutable and thread-safe; validating allocates nothing for a
/// valid instance made of short strings.
/// </summary>
public sealed class JsonSchema
{
    [ThreadStatic]
    private static ValidationState? t_state;

    private readonly SchemaNode _root;

    internal JsonSchema(string uri, SchemaNode root)
    {
        Uri = uri;
        _root = root;
    }

    /// <summary>The compiled root (tests look at how a schema compiled).</summary>
    internal SchemaNode Root => _root;

    /// <summary>The URI this schema was requested by.</summary>
    public string Uri { get; }

    /// <summary>True when <paramref name="instance"/> is valid (stops at the first failure).</summary>
    public bool IsValid(JsonElement instance)
    {
        CheckInstance(instance);
        var state = Rent();
        try
        {
            return _root.Evaluate(new JsonInstance(instance), state);
        }
        finally
        {
            Return(state);
        }
    }

    /// <summary>Validates <paramref name="instance"/>; on failure the result lists the errors, the most useful first.</summary>
    public SchemaValidationResult Validate(JsonElement instance)
    {
        CheckInstance(instance);
        var state = Rent();
        try
        {
            // The quiet pass decides; only an invalid instance pays for a second pass that collects errors.
            if (_root.Evaluate(new JsonInstance(instance), state))
            {
                return SchemaValidationResult.Valid;
            }

            state.Reset();
            var errors = state.CollectAll(_root, new JsonInstance(instance));
            return SchemaValidationResult.FromErrors(errors);
        }
        finally
        {
            Return(state);
        }
    }

    /// <inheritdoc />
    public override string ToString() => Uri;

    private static void CheckInstance(JsonElement instance)
    {
        if (instance.ValueKind == JsonValueKind.Undefined)
        {
            throw new ArgumentException("The instance is an undefined (default) JsonElement.", nameof(instance));
        }
    }

    private static ValidationState Rent()
    {
        var state = t_state ?? new ValidationState();
        t_state = null; // a nested validation on this thread gets a state of its own
        state.Reset();
        return state;
    }

    private static void Return(ValidationState state)
    {
        state.Reset();
        t_state = state;
    }
}
