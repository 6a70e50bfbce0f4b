using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using AgentService.Server.Gateway;
using AgentService.Server.Runtime;
using AgentService.Server.Security;
using Microsoft.Extensions.Configuration;

namespace AgentService.Server.Hosting;

/// <summary>
/// Refuses a setting under <c>AgentService</c> that the service does not read. The configuration binder ignores a key
/// that names no property, so a misspelled one (<c>--AgentService:MaxUplodBytes=5</c>, <c>AgentService__Auth__Mod</c>)
/// would leave the default in force without a word; for a limit or an auth setting that is a wrong guess about how the
/// service behaves. The names come from the options classes themselves, so a new setting is known once it is bound.
/// </summary>
internal static class SettingNames
{
    private const BindingFlags Settable = BindingFlags.Public | BindingFlags.Instance;

    /// <summary>The sections of <c>AgentService</c> bound to their own options class (the rest binds to
    /// <see cref="AgentServiceOptions"/>).</summary>
    private static readonly Dictionary<string, Type> Sections = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Runtime"] = typeof(RuntimeOptions),
        ["Gateway"] = typeof(GatewayOptions),
        ["Auth"] = typeof(AuthOptions),
        ["RateLimits"] = typeof(RateLimitOptions),
        ["Security"] = typeof(SecurityOptions),
        ["Telemetry"] = typeof(Observability.TelemetryOptions),
    };

    /// <summary>Throws <see cref="InvalidOperationException"/> naming the first setting under <c>AgentService</c> that
    /// no options class has, with the nearest known name when one is close.</summary>
    public static void Check(IConfiguration configuration)
    {
        var root = configuration.GetSection(AgentServiceOptions.SectionName);
        var properties = Properties(typeof(AgentServiceOptions));
        var known = properties.Select(p => p.Name).Concat(Sections.Keys).ToList();
        foreach (var child in root.GetChildren())
        {
            if (Sections.TryGetValue(child.Key, out var type))
            {
                CheckObject(child, type);
            }
            else if (properties.FirstOrDefault(p => Matches(p, child.Key)) is { } property)
            {
                CheckValue(child, property.PropertyType);
            }
            else
            {
                throw Unknown(child, known);
            }
        }
    }

    private static void CheckObject(IConfigurationSection section, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type type)
    {
        var properties = Properties(type);
        foreach (var child in section.GetChildren())
        {
            var property = properties.FirstOrDefault(p => Matches(p, child.Key)) ?? throw Unknown(child, properties.Select(p => p.Name));
            CheckValue(child, property.PropertyType);
        }
    }

    /// <summary>Nested settings are checked where they are objects; lists and dictionaries take any key (indices,
    /// names the user chooses), and a plain value has nothing below it to check.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "Options classes are bound by the configuration binder, which keeps their properties.")]
    private static void CheckValue(IConfigurationSection section, Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string) || type.IsValueType || typeof(IEnumerable).IsAssignableFrom(type) || !section.GetChildren().Any())
        {
            return;
        }

        CheckObject(section, type);
    }

    private static PropertyInfo[] Properties([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type type) =>
        type.GetProperties(Settable).Where(p => p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0).ToArray();

    private static bool Matches(PropertyInfo property, string key) => string.Equals(property.Name, key, StringComparison.OrdinalIgnoreCase);

    private static InvalidOperationException Unknown(IConfigurationSection section, IEnumerable<string> known)
    {
        var nearest = known.Select(name => (name, distance: Distance(name.ToUpperInvariant(), section.Key.ToUpperInvariant())))
            .Where(c => c.distance <= Math.Max(2, c.name.Length / 4))
            .OrderBy(c => c.distance)
            .Select(c => c.name)
            .FirstOrDefault();
        var parent = section.Path[..^section.Key.Length];
        var hint = nearest is null ? "" : $" (did you mean {parent}{nearest}?)";
        return new InvalidOperationException(
            $"'{section.Path}' is not a setting of AgentService{hint}; docs/configuration.md lists them.");
    }

    /// <summary>Levenshtein distance: the edits that turn one name into the other.</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
