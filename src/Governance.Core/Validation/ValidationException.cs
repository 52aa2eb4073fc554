namespace Governance.Core.Validation;

/// <summary>
/// The one way a Core use case refuses bad input: messages by field (the field's name as the API and the forms spell
/// it), and the promise that nothing was written. Pages show the messages beside their fields, the API answers a
/// validation problem with the same map, and the command line prints them on one line.
/// </summary>
public sealed class ValidationException : Exception
{
    public ValidationException(string subject, IReadOnlyDictionary<string, string[]> errors)
        : base($"The {subject} is not valid: " + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")))
    {
        if (errors.Count == 0)
        {
            throw new ArgumentException("A validation error names at least one field.", nameof(errors));
        }

        Subject = subject;
        Errors = errors;
    }

    /// <summary>What was refused, in words ("request", "hold", "page").</summary>
    public string Subject { get; }

    public IReadOnlyDictionary<string, string[]> Errors { get; }

    /// <summary>One message about one field.</summary>
    public static ValidationException For(string subject, string field, string message) =>
        new(subject, new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] });

    /// <summary>Throws when <paramref name="errors"/> holds anything; use after checking every field, so that all are reported at once.</summary>
    public static void ThrowIfAny(string subject, ValidationErrors errors)
    {
        if (errors.Count > 0)
        {
            throw new ValidationException(subject, errors.ToDictionary());
        }
    }

    /// <summary>The messages alone, for a page that shows them in one place rather than beside their fields.</summary>
    public string Messages() => string.Join(" ", Errors.Values.SelectMany(v => v));

    /// <summary>The messages as one line each, field first, for the command line and logs (field names and rules only: no values).</summary>
    public string OneLine() => string.Join("; ", Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
}

/// <summary>Collects messages by field while a use case checks its input.</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public int Count => _errors.Count;

    public bool Has(string field) => _errors.ContainsKey(field);

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
    }

    public string this[string field]
    {
        set => Add(field, value);
    }

    public IReadOnlyDictionary<string, string[]> ToDictionary() =>
        _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
}
