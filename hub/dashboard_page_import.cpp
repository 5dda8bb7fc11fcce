// The Import page (GET and POST /dashboard/import): a USB bundle from the browser, as `engage-hub import`.
#include "dashboard_app.h"
#include "engage/bundle.h"
#include "engage/storage.h"
#include "import.h"
#include "server.h"

namespace engage::hub::dash {

// ---- USB bundles: the same import as `engage-hub import`, from the browser -------------------------------------
std::string Dashboard::import_form(Ctx& c, const http::Request&) {
    Data d;
    d.set("form", yes(true));
    d.set("csrf", c.csrf);
    return page(c, "Import a USB bundle", "/dashboard/import", templates_->render("import", d));
}

void Dashboard::import_post(const http::Request& req, http::Response& res, const http::ContentReader& reader) {
    try {
        auto s = session_of(req);
        if (!s) return redirect(res, "/login");
        if (!req.is_multipart_form_data())
            return send_html(res, 400, shell("Not accepted", s->user, s->csrf, refusal("no_file")));
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
        Data d;
        int status = 200;
        if (too_big) {
            status = 413;
            d.set("too_big", yes(true));
        } else {
            const ImportOutcome r = import_bundle(store_, bytes);
            log_("dashboard import user=" + one_line(s->user, 64) + " file=" + one_line(file_name, 80) + " " +
                 (r.ok ? "stored " + std::to_string(r.counts.stored) + ", already held " + std::to_string(r.counts.duplicate) +
                             ", conflicts " + std::to_string(r.counts.conflict) + ", invalid " + std::to_string(r.counts.invalid)
                       : "refused: " + one_line(r.error, 200)));
            d.set("file", file_name);
            if (!r.ok) {
                status = 422;
                d.set("refused", yes(true));
                d.set("error", r.error);
            } else {
                d.set("imported", yes(true));
                d.set("kiosk", r.kiosk.name);
                d.set("stored", std::to_string(r.counts.stored));
                d.set("duplicate", std::to_string(r.counts.duplicate));
                if (r.counts.conflict) d.set("conflict", std::to_string(r.counts.conflict));
                if (r.counts.invalid) d.set("invalid", std::to_string(r.counts.invalid));
            }
        }
        send_html(res, status, shell("Import a USB bundle", s->user, s->csrf, templates_->render("import", d)));
    } catch (const DbError& e) {
        db_error(res, e, "Nothing was stored.");
    }
}

}  // namespace engage::hub::dash
