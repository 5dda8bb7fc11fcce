// The Import page (GET and POST /dashboard/import): a USB bundle from the browser, as `engage-hub import`.
#include "dashboard_app.h"
#include "engage/bundle.h"
#include "engage/storage.h"
#include "import.h"
#include "server.h"

namespace engage::hub::dash {

// ---- USB bundles: the same import as `engage-hub import`, from the browser -------------------------------------
std::string Dashboard::import_form(Ctx& c, const http::Request&) {
    std::string b = "<h1>Import a USB bundle</h1>\n"
                    "<p>A kiosk that never gets a connection saves its responses to a USB stick as a <code>.bundle</code> "
                    "file, locked with a key only this hub holds. Choose the file: each response is stored once, so "
                    "importing a bundle twice, or importing it and later syncing that kiosk, never makes copies.</p>\n"
                    "<form method=\"post\" action=\"/dashboard/import\" enctype=\"multipart/form-data\">"
                    "<input type=\"hidden\" name=\"csrf\" value=\"" + h(c.csrf) + "\">"
                    "<label for=\"bundle\">Bundle file</label> <input id=\"bundle\" type=\"file\" name=\"bundle\" "
                    "accept=\".bundle\" required> <button type=\"submit\">Import</button></form>\n";
    return page(c, "Import a USB bundle", "/dashboard/import", b);
}

void Dashboard::import_post(const http::Request& req, http::Response& res, const http::ContentReader& reader) {
    try {
        auto s = session_of(req);
        if (!s) return redirect(res, "/login");
        if (!req.is_multipart_form_data()) return send_html(res, 400, shell("Not accepted", s->user, s->csrf,
                                                                            "<h1>Not accepted</h1><p>Choose a bundle file to import.</p>"));
        std::string csrf, bytes, current, file_name;
        bool too_big = false;
        reader(
            [&](const http::MultipartHeader& part) {
                current = part.name;
                if (current == "bundle") file_name = part.filename;
                return true;
            },
            [&](const char* data, std::size_t n) {
                if (current == "csrf" && csrf.size() + n <= 256) csrf.append(data, n);
                if (current == "bundle") {
                    if (bytes.size() + n > kBundleMaxBytes) too_big = true;
                    else bytes.append(data, n);
                }
                return !too_big;
            });
        if (!same_secret(csrf, s->csrf)) return forbidden(res);
        std::string body = "<h1>Import a USB bundle</h1>\n";
        int status = 200;
        if (too_big) {
            status = 413;
            body += "<p class=\"error\">That file is larger than a bundle can be. Nothing was stored.</p>";
        } else {
            const ImportOutcome r = import_bundle(store_, bytes);
            log_("dashboard import user=" + one_line(s->user, 64) + " file=" + one_line(file_name, 80) + " " +
                 (r.ok ? "stored " + std::to_string(r.counts.stored) + ", already held " + std::to_string(r.counts.duplicate) +
                             ", conflicts " + std::to_string(r.counts.conflict) + ", invalid " + std::to_string(r.counts.invalid)
                       : "refused: " + one_line(r.error, 200)));
            if (!r.ok) {
                status = 422;
                body += "<p class=\"error\">" + h(file_name) + " was not imported: " + h(r.error) +
                        " Nothing was stored.</p>";
            } else {
                body += "<p>" + h(file_name) + " from <strong>" + h(r.kiosk.name) + "</strong>: " +
                        std::to_string(r.counts.stored) + " responses stored, " + std::to_string(r.counts.duplicate) +
                        " already held";
                if (r.counts.conflict) body += ", " + std::to_string(r.counts.conflict) + " in conflict (kept apart)";
                if (r.counts.invalid) body += ", " + std::to_string(r.counts.invalid) + " refused as invalid";
                body += ".</p>";
            }
        }
        body += "<p><a href=\"/dashboard/import\">Import another</a> · <a href=\"/dashboard\">Overview</a></p>";
        send_html(res, status, shell("Import a USB bundle", s->user, s->csrf, body));
    } catch (const DbError& e) {
        log_(std::string("dashboard: database error: ") + e.what());
        send_html(res, e.transient ? 503 : 500,
                  shell("The hub database is busy", "", "", "<p>The hub database is busy or unreachable. Nothing was stored.</p>"));
    }
}

}  // namespace engage::hub::dash
