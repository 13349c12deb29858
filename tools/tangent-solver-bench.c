// Standalone benchmark of sparse direct solvers on saved u/p tangents (docs/benchmarks.md,
// "A solver that scales"). Not part of the package build.
//
// Build (Debian 12: libmumps-seq-dev, libsuitesparse-dev, libopenblas-dev):
//   gcc -O2 -o /tmp/tangent-solver-bench tools/tangent-solver-bench.c -ldmumps_seq -lmumps_common_seq
//     (cont.) -lmpiseq_seq -lpord_seq -lcholmod -lumfpack -lsuitesparseconfig -lm
// Run (one thread; ICNTL as used by SymmetricIndefiniteFactorization: 12=1,6=0):
//   OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 ICNTL=12=1,6=0 WALL=1 /tmp/tangent-solver-bench FILE pord,chol,umf 7
// Second argument: any of pord, amdm, scotch, mumps (all MUMPS orderings), permmetis / permnd (CHOLMOD's
// METIS / NESDIS ordering passed to MUMPS), mstatic (no pivoting), chol (CHOLMOD simplicial L D L^T with
// AMD, METIS, NESDIS), umf (UMFPACK LU, METIS), or all. Third: factorizations per method (median printed).
// Environment: ICNTL="i=v,..." overrides MUMPS controls (1-based); WALL=1 times wall clock instead of
// process CPU time; EACH=1 prints every factorization; REUSESCALE=1 reuses the first scaling.
//
// FILE: int64 n, int64 nnz, then int32 columnStarts[n+1], int32 rowIndices[nnz], double values[nnz]
// (a SparsityPattern and its values, both triangles). The files of the study were written by a
// temporary hook at the top of TangentSolver.factorize (not committed):
//   if let dir = ProcessInfo.processInfo.environment["PLAQUEFEM_DUMP_TANGENT"] {
//       var data = Data(); var header: [Int64] = [Int64(pattern.dimension), Int64(pattern.nonzeroCount)]
//       data.append(Data(bytes: &header, count: 16))
//       pattern.columnStarts.withUnsafeBytes { data.append(contentsOf: $0) }
//       pattern.rowIndices.withUnsafeBytes { data.append(contentsOf: $0) }
//       values.withUnsafeBytes { data.append(contentsOf: $0) }
//       try? data.write(to: URL(fileURLWithPath: dir + "/tangent-\(pattern.dimension).bin"))
//   }
// and `PLAQUEFEM_DUMP_TANGENT=/tmp/tangents plaquefem verify ring --mesh-size H` (the last tangent wins).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include <stdint.h>
#include <dmumps_c.h>
#include <suitesparse/cholmod.h>
#include <suitesparse/umfpack.h>

static double now(void){struct timespec t;clock_gettime(getenv("WALL")?CLOCK_MONOTONIC:CLOCK_PROCESS_CPUTIME_ID,&t);return t.tv_sec+1e-9*t.tv_nsec;}
static int n, nnz; static int32_t *Ap,*Ai; static double *Ax;
static int cmpd(const void*a,const void*b){double x=*(double*)a,y=*(double*)b;return x<y?-1:x>y;}
static double med(double*v,int k){qsort(v,k,sizeof(double),cmpd);return v[k/2];}

static double berr(const double*x,const double*b){
  double *r=calloc(n,8); double An=0;
  double *rows=calloc(n,8);
  for(int j=0;j<n;j++)for(int p=Ap[j];p<Ap[j+1];p++){r[Ai[p]]+=Ax[p]*x[j]; rows[Ai[p]]+=fabs(Ax[p]);}
  double rn=0,xn=0,bn=0; for(int i=0;i<n;i++){rn=fmax(rn,fabs(r[i]-b[i]));xn=fmax(xn,fabs(x[i]));bn=fmax(bn,fabs(b[i]));An=fmax(An,rows[i]);}
  free(r);free(rows); return rn/(An*xn+bn);
}

static int *perm_in=NULL; static double perm_time=0;
static void make_perm(int which){
  cholmod_common c; cholmod_start(&c); c.print=0;
  cholmod_sparse A={.nrow=n,.ncol=n,.nzmax=nnz,.p=Ap,.i=Ai,.x=NULL,.stype=1,.itype=CHOLMOD_INT,.xtype=CHOLMOD_PATTERN,.dtype=CHOLMOD_DOUBLE,.sorted=1,.packed=1};
  int *P=malloc(n*4); double t0=now();
  if(which==0) cholmod_metis(&A,NULL,0,1,P,&c);
  else { int*CP=malloc((n+1)*4),*Cm=malloc(n*4); cholmod_nested_dissection(&A,NULL,0,P,CP,Cm,&c); }
  perm_time=now()-t0;
  // MUMPS PERM_IN(i) = position of variable i (1-based); CHOLMOD P[k] = variable at position k
  perm_in=malloc(n*4); for(int k=0;k<n;k++) perm_in[P[k]]=k+1;
  printf("  cholmod %s ordering: %.1f ms (status %d)\n", which?"nesdis":"metis", 1e3*perm_time, c.status);
  cholmod_finish(&c);
}
static void run_mumps(int ordering, int reps, const double*b, double cntl1){
  DMUMPS_STRUC_C id; memset(&id,0,sizeof id);
  id.job=-1; id.par=1; id.sym=2; id.comm_fortran=-987654; dmumps_c(&id);
  id.icntl[0]=-1;id.icntl[1]=-1;id.icntl[2]=-1;id.icntl[3]=0;
  id.icntl[6]=ordering; // ICNTL(7)
  if(cntl1>=0) id.cntl[0]=cntl1;
  { char*e=getenv("ICNTL"); if(e){ char buf[256]; strcpy(buf,e); for(char*t=strtok(buf,",");t;t=strtok(NULL,",")){int i,v; sscanf(t,"%d=%d",&i,&v); id.icntl[i-1]=v;} } }
  // upper triangle, 1-based coordinates
  int m=0; for(int j=0;j<n;j++)for(int p=Ap[j];p<Ap[j+1];p++) if(Ai[p]<=j) m++;
  int *irn=malloc(m*4),*jcn=malloc(m*4); double *a=malloc(m*8); int k=0;
  for(int j=0;j<n;j++)for(int p=Ap[j];p<Ap[j+1];p++) if(Ai[p]<=j){irn[k]=Ai[p]+1;jcn[k]=j+1;a[k]=Ax[p];k++;}
  id.n=n; id.nnz=m; id.irn=irn; id.jcn=jcn; id.a=a; if(ordering==1) id.perm_in=perm_in;
  double t0=now(); id.job=1; dmumps_c(&id); double ta=now()-t0;
  if(id.infog[0]<0){printf("  MUMPS ord %d analysis error %d %d\n",ordering,id.infog[0],id.infog[1]);return;}
  double tf[50]; double *keep=NULL;
  for(int r=0;r<reps;r++){
    if(r==1 && getenv("REUSESCALE")){ keep=malloc(n*8); memcpy(keep,id.colsca,n*8); id.icntl[7]=-1; id.colsca=keep; id.rowsca=keep; id.colsca_from_mumps=0; id.rowsca_from_mumps=0; }
    t0=now(); id.job=2; dmumps_c(&id); tf[r]=now()-t0; if(getenv("EACH")) printf("   rep %d: %.1f ms\n", r, 1e3*tf[r]); if(id.infog[0]<0){printf("  MUMPS factor error %d %d\n",id.infog[0],id.infog[1]);return;}}
  double *x=malloc(n*8); double ts[50];
  for(int r=0;r<reps;r++){memcpy(x,b,n*8); id.rhs=x; t0=now(); id.job=3; dmumps_c(&id); ts[r]=now()-t0;}
  long long fill = id.infog[28]>=0? id.infog[28] : -1000000LL*id.infog[28];
  printf("  MUMPS SYM=2 ord=%d(used %d) cntl1=%g: analysis %.1f ms, factor %.1f ms, solve %.2f ms, factor entries %lld, flops %.3g, neg pivots %d, delayed %d, berr %.1e\n",
    ordering, id.infog[6], id.cntl[0], 1e3*ta, 1e3*med(tf,reps), 1e3*med(ts,reps), fill, id.rinfog[2], id.infog[11], id.infog[12], berr(x,b));
  id.job=-2; dmumps_c(&id); free(irn);free(jcn);free(a);free(x);
}

static void run_cholmod(int ordering, int reps, const double*b){
  cholmod_common c; cholmod_start(&c); c.print=0; c.supernodal=CHOLMOD_SIMPLICIAL; c.final_ll=0; c.nmethods=1; c.method[0].ordering=ordering; c.postorder=1; c.quick_return_if_not_posdef=1;
  cholmod_sparse A={.nrow=n,.ncol=n,.nzmax=nnz,.p=Ap,.i=Ai,.x=Ax,.stype=1,.itype=CHOLMOD_INT,.xtype=CHOLMOD_REAL,.dtype=CHOLMOD_DOUBLE,.sorted=1,.packed=1};
  double t0=now(); cholmod_factor*L=cholmod_analyze(&A,&c); double ta=now()-t0;
  if(!L){printf("  CHOLMOD analyze fail %d\n",c.status);return;}
  double tf[50]; for(int r=0;r<reps;r++){t0=now(); cholmod_factorize(&A,L,&c); tf[r]=now()-t0;}
  cholmod_dense B={.nrow=n,.ncol=1,.nzmax=n,.d=n,.x=(void*)b,.xtype=CHOLMOD_REAL,.dtype=CHOLMOD_DOUBLE};
  cholmod_dense*X=NULL,*Y=NULL,*E=NULL; double ts[50];
  for(int r=0;r<reps;r++){t0=now(); cholmod_solve2(CHOLMOD_A,L,&B,NULL,&X,NULL,&Y,&E,&c); ts[r]=now()-t0;}
  printf("  CHOLMOD LDLT ord=%d: analysis %.1f ms, factor %.1f ms, solve %.2f ms, lnz %.0f, flops %.3g, minor %d/%d, berr %.1e\n",
    ordering,1e3*ta,1e3*med(tf,reps),1e3*med(ts,reps),c.lnz,c.fl,(int)L->minor,n,berr(X->x,b));
  cholmod_free_dense(&X,&c);cholmod_free_dense(&Y,&c);cholmod_free_dense(&E,&c);cholmod_free_factor(&L,&c);cholmod_finish(&c);
}

static void run_umf(int reps,const double*b){
  double Control[UMFPACK_CONTROL], Info[UMFPACK_INFO]; umfpack_di_defaults(Control);
  Control[UMFPACK_STRATEGY]=UMFPACK_STRATEGY_SYMMETRIC; Control[UMFPACK_ORDERING]=UMFPACK_ORDERING_METIS; Control[UMFPACK_IRSTEP]=0;
  void*Sym,*Num; double t0=now(); umfpack_di_symbolic(n,n,Ap,Ai,Ax,&Sym,Control,Info); double ta=now()-t0;
  double tf[50]; for(int r=0;r<reps;r++){t0=now(); umfpack_di_numeric(Ap,Ai,Ax,Sym,&Num,Control,Info); tf[r]=now()-t0; if(r<reps-1)umfpack_di_free_numeric(&Num);}
  double lnz=Info[UMFPACK_LNZ], unz=Info[UMFPACK_UNZ];
  double*x=malloc(n*8); t0=now(); umfpack_di_solve(UMFPACK_A,Ap,Ai,Ax,x,b,Num,Control,Info); double ts=now()-t0;
  printf("  UMFPACK METIS: analysis %.1f ms, factor %.1f ms, solve %.2f ms, L+U %.0f, berr %.1e\n",1e3*ta,1e3*med(tf,reps),1e3*ts,lnz+unz,berr(x,b));
  umfpack_di_free_numeric(&Num);umfpack_di_free_symbolic(&Sym);free(x);
}

int main(int argc,char**argv){
  FILE*f=fopen(argv[1],"rb"); int64_t h[2]; fread(h,8,2,f); n=h[0]; nnz=h[1];
  Ap=malloc((n+1)*4); Ai=malloc(nnz*4); Ax=malloc(nnz*8); fread(Ap,4,n+1,f); fread(Ai,4,nnz,f); fread(Ax,8,nnz,f); fclose(f);
  int reps=argc>3?atoi(argv[3]):3; const char*which=argc>2?argv[2]:"all";
  double*b=malloc(n*8); srand(1); for(int i=0;i<n;i++) b[i]=rand()/(double)RAND_MAX-0.5;
  printf("%s: n=%d nnz=%d\n",argv[1],n,nnz);
  if(strstr(which,"pord")) run_mumps(4,reps,b,-1);
  if(strstr(which,"permmetis")){ make_perm(0); run_mumps(1,reps,b,-1);} 
  if(strstr(which,"permnd")){ make_perm(1); run_mumps(1,reps,b,-1);}
  if(strstr(which,"amdm")) run_mumps(0,reps,b,-1);
  if(strstr(which,"scotch")) run_mumps(3,reps,b,-1);
  if(strstr(which,"mumps")||!strcmp(which,"all")){ for(int o=0;o<=7;o++){ if(o==1||o==5) continue; run_mumps(o,reps,b,-1);} }
  if(strstr(which,"mstatic")) { run_mumps(7,reps,b,0.0); run_mumps(3,reps,b,0.0); }
  if(strstr(which,"chol")||!strcmp(which,"all")){ run_cholmod(CHOLMOD_AMD,reps,b); run_cholmod(CHOLMOD_METIS,reps,b); run_cholmod(CHOLMOD_NESDIS,reps,b);}
  if(strstr(which,"umf")||!strcmp(which,"all")) run_umf(reps,b);
  return 0;
}
