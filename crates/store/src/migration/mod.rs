//! One migration set for both engines, embedded in the binary.
//!
//! One file per migration, each with the identifiers of the tables it touches under their own
//! names. A migration's name is what `seaql_migrations` records as applied, so it never changes
//! once written, whatever its file is called.
use sea_orm_migration::prelude::*;

mod m01_foundation;
mod m02_catalogue;
mod m03_dossiers;
mod m04_notices;
mod m05_processing;
mod m06_truth;
mod m07_hardening;
mod m08_payments;
mod m09_signatures;
mod m10_privacy;
mod m11_oversight;
mod m12_reports;
mod m13_login;
mod m14_national;
mod m15_work_counts;
mod m16_catalogue_in_memory;
mod m17_delivery_contact;
mod m18_scanning;
mod m19_paper_checks;
mod m20_work_counts_by_stage;

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m01_foundation::Migration),
            Box::new(m02_catalogue::Migration),
            Box::new(m03_dossiers::Migration),
            Box::new(m04_notices::Migration),
            Box::new(m05_processing::Migration),
            Box::new(m06_truth::Migration),
            Box::new(m07_hardening::Migration),
            Box::new(m08_payments::Migration),
            Box::new(m09_signatures::Migration),
            Box::new(m10_privacy::Migration),
            Box::new(m11_oversight::Migration),
            Box::new(m12_reports::Migration),
            Box::new(m13_login::Migration),
            Box::new(m14_national::Migration),
            Box::new(m15_work_counts::Migration),
            Box::new(m16_catalogue_in_memory::Migration),
            Box::new(m17_delivery_contact::Migration),
            Box::new(m18_scanning::Migration),
            Box::new(m19_paper_checks::Migration),
            Box::new(m20_work_counts_by_stage::Migration),
        ]
    }
}

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .to_owned()
}
