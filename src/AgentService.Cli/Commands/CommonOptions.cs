using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace AgentService.Cli.Commands;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    public static Option<string?> Agent() => new("--agent") { Description = "The agent to address (default: the service's default agent)." };

    public static Option<int?> Page() => Number<int?, int>("--page", "Page number (from 1).", minimum: 1);

    public static Option<int?> PageSize() => Number<int?, int>("--page-size", "Items per page (1-100).", minimum: 1);

    /// <summary>An id the command puts in a URL path: empty, <c>.</c> or <c>..</c> would address another resource (or
    /// none), so they are usage errors rather than a request the service answers with a misleading "no route".</summary>
    public static Argument<string> Id(string name, string description)
    {
        var argument = new Argument<string>(name) { Description = description };
        argument.Validators.Add(result =>
        {
            var value = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (string.IsNullOrWhiteSpace(value) || value is "." or "..")
            {
                result.AddError($"{name}: '{value}' is not an id.");
            }
        });
        return argument;
    }

    /// <summary>
    /// A numeric option read with the invariant culture whose usage error says what was expected ("'abc' is not a
    /// whole number") instead of the .NET type it is parsed into. <typeparamref name="TValue"/> is the option's type
    /// (the number or its nullable); <typeparamref name="TNumber"/> the number. A value below <paramref name="minimum"/>
    /// is a usage error too (checked here: a validator that reads the value throws when it did not parse).
    /// </summary>
    public static Option<TValue> Number<TValue, TNumber>(string name, string description, TNumber? minimum = null)
        where TNumber : struct, INumber<TNumber>, IMinMaxValue<TNumber>
    {
        var option = new Option<TValue>(name) { Description = description };
        option.CustomParser = result => Parse<TValue, TNumber>(result, name, minimum);
        return option;
    }

    private static TValue? Parse<TValue, TNumber>(ArgumentResult result, string name, TNumber? minimum)
        where TNumber : struct, INumber<TNumber>, IMinMaxValue<TNumber>
    {
        var token = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        var whole = typeof(TNumber).GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IBinaryInteger<>));
        var style = whole ? NumberStyles.Integer : NumberStyles.Float;
        if (TNumber.TryParse(token, style, CultureInfo.InvariantCulture, out var number) && TNumber.IsFinite(number))
        {
            if (minimum is { } least && number < least)
            {
                result.AddError($"{name}: '{token}' is less than {least.ToString(null, CultureInfo.InvariantCulture)}.");
                return default;
            }

            return (TValue)(object)number;
        }

        if (!whole)
        {
            result.AddError($"{name}: '{token}' is not a finite number.");
        }
        else if (BigInteger.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
        {
            result.AddError($"{name}: '{token}' is out of range ({(minimum ?? TNumber.MinValue).ToString(null, CultureInfo.InvariantCulture)} to {TNumber.MaxValue.ToString(null, CultureInfo.InvariantCulture)}).");
        }
        else
        {
            result.AddError($"{name}: '{token}' is not a whole number.");
        }

        return default;
    }
}
