//! Reading and writing whole rows of any stored entity from its one column list (declared with
//! `app::table!`, see `app::model::sql`), and a statement builder for SQL whose conditions and
//! value lists depend on the request.

use super::StoreResult;
pub use app::model::{AnyQuery, Table};
pub use app::{from_row, table};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, AnyConnection, Arguments, Encode, FromRow, Type};

/// Inserts the row, or replaces the one with its key.
pub async fn upsert<T: Table>(conn: &mut AnyConnection, row: &T) -> StoreResult<()> {
    row.bind_all(sqlx::query(&T::statements()[0])).execute(conn).await?;
    Ok(())
}

/// Inserts the row under a key the database chooses, and returns that key.
pub async fn insert<T: Table>(conn: &mut AnyConnection, row: &T) -> StoreResult<i64> {
    use sqlx::Row;
    let returned = row.bind_without_key(sqlx::query(&T::statements()[1])).fetch_one(conn).await?;
    Ok(returned.try_get(0)?)
}

/// The row with this key.
pub async fn by_key<T>(conn: &mut AnyConnection, key: i64) -> StoreResult<Option<T>>
where
    T: Table + for<'r> FromRow<'r, AnyRow> + Unpin,
{
    let sql = format!("{} WHERE {} = $1", T::statements()[2], T::COLUMNS[0]);
    Ok(sqlx::query_as::<_, T>(&sql).bind(key).fetch_optional(conn).await?)
}

/// Whether a row with this key exists.
pub async fn exists<T: Table>(conn: &mut AnyConnection, key: i64) -> StoreResult<bool> {
    let sql = format!("SELECT 1 FROM {} WHERE {} = $1", T::NAME, T::COLUMNS[0]);
    Ok(sqlx::query(&sql).bind(key).fetch_optional(conn).await?.is_some())
}

/// Every row, in key order.
pub async fn all<T>(conn: &mut AnyConnection) -> StoreResult<Vec<T>>
where
    T: Table + for<'r> FromRow<'r, AnyRow> + Unpin,
{
    let sql = format!("{} ORDER BY {}", T::statements()[2], T::COLUMNS[0]);
    Ok(sqlx::query_as::<_, T>(&sql).fetch_all(conn).await?)
}

/// A statement put together piece by piece with its values. Placeholders are numbered `$1, $2, …`
/// as both backends read them: sqlx's `QueryBuilder` writes `?` for the `Any` driver, which
/// PostgreSQL refuses. Value lists (`IN (…)`) are bound, never written into the text.
#[derive(Default)]
pub struct Sql<'q> {
    text: String,
    args: AnyArguments<'q>,
    count: usize,
    /// The first value that could not be encoded; the statement then fails when run.
    unencodable: Option<sqlx::error::BoxDynError>,
}

impl<'q> Sql<'q> {
    pub fn new(text: impl Into<String>) -> Self {
        Sql { text: text.into(), args: AnyArguments::default(), count: 0, unencodable: None }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Writes the next placeholder and binds `value` to it.
    pub fn bind<T: 'q + Encode<'q, Any> + Type<Any>>(&mut self, value: T) -> &mut Self {
        self.text.push_str(&format!("${}", self.count + 1));
        self.bind_value(value)
    }

    /// Binds `value` to the next placeholder without writing it: for a fixed piece of SQL that
    /// spells out its own `$n` (pushed after its values are bound).
    pub fn bind_value<T: 'q + Encode<'q, Any> + Type<Any>>(&mut self, value: T) -> &mut Self {
        self.count += 1;
        if let Err(e) = self.args.add(value) {
            self.unencodable.get_or_insert(e);
        }
        self
    }

    /// Writes `$a, $b, …` for the values, binding each; an empty list writes `NULL`, which
    /// matches nothing in `IN (…)`.
    pub fn bind_list<T: 'q + Encode<'q, Any> + Type<Any> + Copy>(&mut self, values: &[T]) -> &mut Self {
        if values.is_empty() {
            self.text.push_str("NULL");
        }
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(*v);
        }
        self
    }

    /// How many values are bound (the number of the last placeholder).
    pub fn bound(&self) -> usize {
        self.count
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    fn into_parts(self) -> StoreResult<(String, AnyArguments<'q>)> {
        match self.unencodable {
            Some(e) => Err(sqlx::Error::Encode(e).into()),
            None => Ok((self.text, self.args)),
        }
    }

    pub async fn fetch_all<T>(self, conn: &mut AnyConnection) -> StoreResult<Vec<T>>
    where
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        let (text, args) = self.into_parts()?;
        Ok(sqlx::query_as_with::<_, T, _>(&text, args).fetch_all(conn).await?)
    }

    pub async fn fetch_rows(self, conn: &mut AnyConnection) -> StoreResult<Vec<AnyRow>> {
        let (text, args) = self.into_parts()?;
        Ok(sqlx::query_with(&text, args).fetch_all(conn).await?)
    }

    pub async fn execute(self, conn: &mut AnyConnection) -> StoreResult<u64> {
        let (text, args) = self.into_parts()?;
        Ok(sqlx::query_with(&text, args).execute(conn).await?.rows_affected())
    }

    pub async fn fetch_one<T>(self, conn: &mut AnyConnection) -> StoreResult<T>
    where
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        let (text, args) = self.into_parts()?;
        Ok(sqlx::query_as_with::<_, T, _>(&text, args).fetch_one(conn).await?)
    }

    pub async fn fetch_scalar<T>(self, conn: &mut AnyConnection) -> StoreResult<T>
    where
        T: for<'r> sqlx::Decode<'r, Any> + Type<Any> + Send + Unpin,
    {
        let (text, args) = self.into_parts()?;
        Ok(sqlx::query_scalar_with::<_, T, _>(&text, args).fetch_one(conn).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_and_lists_bound() {
        let mut sql = Sql::new("SELECT 1 FROM t WHERE a = ");
        sql.bind(7_i64).push(" AND b IN (").bind_list(&[1_i64, 2, 3]).push(") AND c IN (").bind_list::<i64>(&[]).push(")");
        assert_eq!(sql.text(), "SELECT 1 FROM t WHERE a = $1 AND b IN ($2, $3, $4) AND c IN (NULL)");
        assert_eq!(sql.bound(), 4);
    }
}
