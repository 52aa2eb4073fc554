using System.CommandLine;
using System.Globalization;
using Governance.Core.Audit;
using Governance.Core.Reports;
using Governance.Jobs.Reports;

namespace Governance.Web.CommandLine;

/// <summary><c>./gov report requests|audit|ropa --out FILE.pdf</c>: a PDF report, stored with its hash and audited, written to a file.</summary>
internal static class ReportCommands
{
    internal static Command Report()
    {
        var report = new Command("report", "Generate a PDF report for auditors; it is also kept, with its SHA-256, on the Reports page.");
        // Only the kinds built so far are offered: the others are not shown as if they were there.
        foreach (var kind in ReportGenerator.Built)
        {
            var output = new Option<string>("--out") { Description = "The PDF file to write", Required = true };
            var from = new Option<string?>("--from") { Description = "First day of the period, yyyy-MM-dd (UTC)" };
            var to = new Option<string?>("--to") { Description = "Last day of the period, yyyy-MM-dd (UTC), included" };
            var lang = new Option<string>("--lang") { Description = "Language: en or zh", DefaultValueFactory = _ => "en" };
            var actor = new Option<string?>("--actor") { Description = "Audit extract only: entries of this actor (e.g. local:12)" };
            var action = new Option<string?>("--action") { Description = "Audit extract only: entries of this action (e.g. report.download)" };
            var outcome = new Option<string?>("--outcome") { Description = "Audit extract only: success, failure or denied" };
            var command = new Command(kind, kind switch
            {
                ReportKinds.Audit => "Audit log extract for the period, with the chain verification of the positions it spans.",
                ReportKinds.Requests => "Data-subject request register and metrics for the period.",
                ReportKinds.Retention => "Retention execution report for the period: rules in force, runs, counts, exceptions and approvals.",
                _ => "Records of processing (GDPR Art. 30) from the data maps and policy files.",
            })
            {
                output, from, to, lang,
            };
            if (kind == ReportKinds.Audit)
            {
                command.Add(actor);
                command.Add(action);
                command.Add(outcome);
            }

            command.SetAction((parse, ct) => GovernanceCommandLine.GuardAsync(async token =>
            {
                var request = new ReportRequest(kind, Day(parse.GetValue(from), "--from"), Day(parse.GetValue(to), "--to"), parse.GetValue(lang)!,
                    parse.GetValue(actor), parse.GetValue(action), parse.GetValue(outcome));
                request.Validate();
                var file = Path.GetFullPath(parse.GetValue(output)!);
                var staging = Writable(file);
                try
                {
                    await using var services = await GovernanceCommandLine.CoreServicesAsync(GovernanceConfiguration.ForCommandLine(), token);
                    var generator = ActivatorUtilities.CreateInstance<ReportGenerator>(services);
                    var generated = await generator.GenerateAsync(request, GovernanceCommandLine.CliActor, token);
                    await File.WriteAllBytesAsync(staging, generated.Pdf, token);
                    File.Move(staging, file, overwrite: true);
                    await services.GetRequiredService<AuditSealer>().SealAllAsync(token);
                    Console.WriteLine($"Wrote {file}: {generated.Report.Pages:N0} pages, SHA-256 {generated.Report.Sha256} (kept as report {generated.Report.Id}).");
                    return 0;
                }
                finally
                {
                    File.Delete(staging);
                }
            }, ct));
            report.Add(command);
        }

        return report;
    }

    private static DateOnly? Day(string? value, string option) =>
        value is null ? null
        : DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day
        : throw new ArgumentException($"{option} must be a date as yyyy-MM-dd (got '{value}').");

    /// <summary>Checks, before anything is generated, that the file can be written: a staging file beside it is created (and later moved over it).</summary>
    private static string Writable(string file)
    {
        var folder = Path.GetDirectoryName(file)!;
        if (!Directory.Exists(folder))
        {
            throw new ArgumentException($"--out: the folder {folder} does not exist.");
        }

        if (Directory.Exists(file))
        {
            throw new ArgumentException($"--out: {file} is a folder; name a file.");
        }

        var staging = Path.Combine(folder, "." + Path.GetFileName(file) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            using (File.Create(staging))
            {
            }

            return staging;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--out: {file} cannot be written here ({ex.GetType().Name}).");
        }
    }
}
