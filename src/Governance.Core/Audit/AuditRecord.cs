using System.Collections;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Governance.Core.Audit;

public enum AuditActorType
{
    User,
    Job,
    System,
}

public enum AuditOutcome
{
    Success,
    Failure,
    Denied,
}

/// <summary>Who acted: a signed-in person (by account id or identity-provider subject, never by name or e-mail), a job, or the system.</summary>
public sealed record AuditActor(AuditActorType Type, string Id, IReadOnlyList<string> Roles, string? ClientAddress = null)
{
    public static AuditActor Job(string name) => new(AuditActorType.Job, $"job:{name}", []);

    public static AuditActor System(string component) => new(AuditActorType.System, $"system:{component}", []);
}

/// <summary>
/// One audit entry to append. Identifiers and details carry ids, codes, counts and dates only: values that could
/// hold personal data (an e-mail, a name, message text) are refused, so the audit log never becomes a copy of
/// the data it protects.
/// </summary>
public sealed partial record AuditRecord(
    AuditActor Actor,
    string Action,
    AuditOutcome Outcome,
    string? TargetType = null,
    string? TargetId = null,
    string? RequestId = null,
    IReadOnlyDictionary<string, object?>? Details = null)
{
    public const int MaxDetailsBytes = 8192;

    /// <summary>An id, code or reference: letters, digits and <c>_ . : -</c>; no spaces, no '@'.</summary>
    public static bool IsIdentifier(string? value, int max = 200) => value is not null && value.Length <= max && Identifier().IsMatch(value);

    /// <summary>Checks every field; throws <see cref="ArgumentException"/> naming the field.</summary>
    public void Validate()
    {
        if (!ActionName().IsMatch(Action))
        {
            throw new ArgumentException($"Audit action '{Action}' must look like 'area.verb' (lower case, digits, '-').", nameof(Action));
        }

        Check(Actor.Id, "Actor.Id", required: true);
        foreach (var role in Actor.Roles)
        {
            Check(role, "Actor.Roles", required: true, max: 40);
        }

        Check(TargetType, nameof(TargetType), max: 100);
        Check(TargetId, nameof(TargetId));
        Check(RequestId, nameof(RequestId), max: 100);
        if (Actor.ClientAddress is { } address && (address.Length > 64 || !System.Net.IPAddress.TryParse(address, out _)))
        {
            throw new ArgumentException("Actor.ClientAddress must be an IP address.", "Actor.ClientAddress");
        }

        if (DetailsJson().Length > MaxDetailsBytes)
        {
            throw new ArgumentException($"Audit details exceed {MaxDetailsBytes} bytes.", nameof(Details));
        }
    }

    /// <summary>The details as a JSON object, each value checked to be an id, code, number, flag or date.</summary>
    public string DetailsJson()
    {
        if (Details is null || Details.Count == 0)
        {
            return "{}";
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in Details.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (!DetailKey().IsMatch(key))
                {
                    throw new ArgumentException($"Audit detail key '{key}' must be a plain name (letters, digits, '_').", nameof(Details));
                }

                writer.WritePropertyName(key);
                WriteValue(writer, key, value, depth: 0);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteValue(Utf8JsonWriter writer, string key, object? value, int depth)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case int or long or short or byte or uint or ulong or ushort:
                writer.WriteNumberValue(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case double or float or decimal:
                writer.WriteNumberValue(Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case Guid g:
                writer.WriteStringValue(g.ToString("D"));
                break;
            case DateTimeOffset d:
                writer.WriteStringValue(d.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
                break;
            case DateTime d:
                writer.WriteStringValue(DateTime.SpecifyKind(d, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
                break;
            case DateOnly d:
                writer.WriteStringValue(d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
                break;
            case Enum e:
                writer.WriteStringValue(e.ToString());
                break;
            case string s when IsIdentifier(s):
                writer.WriteStringValue(s);
                break;
            case string:
                throw new ArgumentException($"Audit detail '{key}' holds free text; details carry ids, codes, numbers and dates only.", "Details");
            case IEnumerable items when depth == 0:
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    WriteValue(writer, key, item, depth + 1);
                }

                writer.WriteEndArray();
                break;
            default:
                throw new ArgumentException($"Audit detail '{key}' has a value of type {value.GetType().Name}, which is not allowed.", "Details");
        }
    }

    private static void Check(string? value, string field, bool required = false, int max = 200)
    {
        if (value is null)
        {
            if (required)
            {
                throw new ArgumentException($"{field} is required.", field);
            }

            return;
        }

        if (!IsIdentifier(value, max))
        {
            throw new ArgumentException($"{field} must be an id (letters, digits, '_', '.', ':', '-'; at most {max}).", field);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_.:\\-]{1,200}\\z")]
    private static partial Regex Identifier();

    [GeneratedRegex("^[a-z][a-z0-9-]*(\\.[a-z0-9-]+)+\\z")]
    private static partial Regex ActionName();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,63}\\z")]
    private static partial Regex DetailKey();
}
